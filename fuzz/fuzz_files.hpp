// What every harness shares: a private scratch directory for the files a loader reads, and the
// rule that the only acceptable failure is an InputError (anything else escapes to libFuzzer,
// which reports it as a crash together with the input that caused it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace sinkattn::fuzz {

// One directory per fuzzing process (libFuzzer's -jobs/-workers run several side by side),
// removed when the process exits normally (a crash leaves it, with the input that caused it).
struct ScratchDir {
  std::string path;
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    path = std::string(base && *base ? base : "/tmp") + "/sinkattn_fuzz_XXXXXX";
    if (mkdtemp(path.data()) == nullptr) std::abort();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};
inline const std::string& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();  // the scratch disk, not the input, is at fault
}

// Splits a fuzz input into the files of a multi-file input, at each occurrence of kSeparator.
// Keeping the files as plain text between separators lets seeds be real files, concatenated.
inline constexpr std::string_view kSeparator = "\n--sinkattn-fuzz-next-file--\n";
inline std::vector<std::string_view> split_files(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = rest.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(rest);
  return parts;
}

}  // namespace sinkattn::fuzz
