#include "sinkattn/sweep/point_config.hpp"

#include <fstream>

#include <yaml-cpp/yaml.h>

#include "sinkattn/error.hpp"

namespace sinkattn::sweep {

void write_point_config(const Resolved& r, const std::string& name, const std::string& path) {
  YAML::Node root;
  root["name"] = name;
  root["base"] = r.base;
  for (const auto& o : r.overrides) {
    // "a.b.c" -> root[a][b][c]; yaml-cpp nodes are handles, so walk by reassigning.
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t dot; (dot = o.path.find('.', start)) != std::string::npos; start = dot + 1)
      parts.push_back(o.path.substr(start, dot - start));
    parts.push_back(o.path.substr(start));
    YAML::Node node = root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!node[parts[i]]) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = node[parts[i]];
      node.reset(next);
    }
    node[parts.back()] = YAML::Load(o.value);
  }
  std::ofstream f(path);
  f << "# One point of a sinkattn sweep; run it alone with sinkattn golden|sim|rtl --config " << path << "\n"
    << YAML::Dump(root) << "\n";
  if (!f) throw InputError(path, "show-point", "cannot write");
}

}  // namespace sinkattn::sweep
