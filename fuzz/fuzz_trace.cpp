// libFuzzer harness of the trace directory loader (model/src/trace_io.cpp). The input holds the
// files of a trace directory joined by fuzz::kSeparator, in the order of kFiles; missing trailing
// parts are missing files. A trace that loads is quantized too, as every command does next.
#include <filesystem>

#include "fuzz_files.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/trace.hpp"

namespace {
// Optional files go last, so that a seed without them is simply shorter.
const char* const kFiles[] = {"q.npy", "k.npy", "v.npy", "meta.json", "prompt_scores.npy"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sinkattn;
  const std::string dir = fuzz::scratch_dir() + "/trace";
  std::filesystem::create_directories(dir);
  const std::vector<std::string_view> parts = fuzz::split_files(data, size);
  for (std::size_t i = 0; i < std::size(kFiles); ++i) {
    const std::string path = dir + "/" + kFiles[i];
    if (i < parts.size()) {
      fuzz::write_file(path, parts[i]);
    } else {
      std::filesystem::remove(path);
    }
  }
  try {
    const FloatTrace t = load_trace(dir);
    (void)quantize_trace(t);
  } catch (const InputError&) {
  }
  return 0;
}
