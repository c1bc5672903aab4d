#include "sinkattn/yaml_file.hpp"

#include "sinkattn/error.hpp"

namespace sinkattn {
namespace {

// yaml-cpp's two entry points differ only in where the text comes from.
template <typename Load>
YAML::Node load_or_explain(const std::string& file, Load&& load) {
  try {
    return load();
  } catch (const YAML::ParserException& e) {
    throw InputError(file + ":" + std::to_string(e.mark.line + 1), "", "malformed YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw InputError(file, "", std::string("cannot read YAML: ") + e.what());
  }
}

}  // namespace

YAML::Node load_yaml_file(const std::string& file) {
  return load_or_explain(file, [&] { return YAML::LoadFile(file); });
}

YAML::Node parse_yaml_text(const std::string& text, const std::string& file) {
  return load_or_explain(file, [&] { return YAML::Load(text); });
}

}  // namespace sinkattn
