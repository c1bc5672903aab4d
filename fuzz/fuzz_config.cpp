// libFuzzer harness of the preset and configuration loader (model/src/config.cpp): the input is
// a YAML file (it may name a shipped preset as its base), loaded, then planned against a small
// workload shape so that the rules which need a shape run too.
#include "fuzz_files.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sinkattn;
  const std::string path = fuzz::scratch_dir() + "/input.yaml";
  fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  try {
    const Config cfg = load_config(path);
    Shape s;
    s.layers = 4, s.q_heads = 8, s.kv_heads = 2, s.head_dim = 16, s.tokens = 64, s.prompt = 32;
    (void)make_plan(cfg, s, "fuzz-trace");
    (void)parameter_list(cfg);
  } catch (const InputError&) {
  }
  return 0;
}
