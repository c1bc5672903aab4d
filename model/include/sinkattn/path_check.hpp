// Existence checks on user-supplied paths that never throw std::filesystem_error: a name that is
// too long, a component that is not a directory or a path without permission becomes an
// InputError naming the path, like every other bad input (fuzz_config found the throwing form).
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "sinkattn/error.hpp"

namespace sinkattn {

// What a path names: nothing (absent, or a prefix that is a file), a regular file, or something else.
enum class PathKind { kAbsent, kRegularFile, kOther };

// `field` is the configuration field or CLI flag the path came from, for the error message.
inline PathKind path_kind(const std::filesystem::path& p, const std::string& field) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(p, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return PathKind::kAbsent;
    throw InputError(p.string(), field, "cannot access: " + ec.message());
  }
  if (st.type() == std::filesystem::file_type::not_found) return PathKind::kAbsent;
  return st.type() == std::filesystem::file_type::regular ? PathKind::kRegularFile : PathKind::kOther;
}

inline bool is_regular_file(const std::filesystem::path& p, const std::string& field) {
  return path_kind(p, field) == PathKind::kRegularFile;
}

inline bool path_exists(const std::filesystem::path& p, const std::string& field) {
  return path_kind(p, field) != PathKind::kAbsent;
}

}  // namespace sinkattn
