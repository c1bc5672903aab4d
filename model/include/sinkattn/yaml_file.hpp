// Loading a YAML document from a user's file, with yaml-cpp's exceptions turned into an
// InputError that names the file and, for a syntax error, its line: one place for every reader
// of YAML input (configurations, energy tables, area models, sweep files).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace sinkattn {

// The document in `file`. Throws InputError("file:line", "", "malformed YAML: ...") for a syntax
// error and InputError(file, "", "cannot read YAML: ...") when the file cannot be read.
YAML::Node load_yaml_file(const std::string& file);

// The document in `text`, which was read from `file` (named in the errors as above).
YAML::Node parse_yaml_text(const std::string& text, const std::string& file);

}  // namespace sinkattn
