#include "sinkattn/sweep/constraints.hpp"

#include <sstream>
#include <stdexcept>

#include <muParser.h>

namespace sinkattn::sweep {

std::map<std::string, double> numeric_fields(const Config& cfg) {
  std::map<std::string, double> out;
  std::istringstream lines(cfg.canonical);
  std::string line;
  while (std::getline(lines, line)) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string path = line.substr(0, colon), value = line.substr(colon + 2);
    if (value == "true") { out[path] = 1; continue; }
    if (value == "false") { out[path] = 0; continue; }
    try {
      std::size_t used = 0;
      const double v = std::stod(value, &used);
      if (used == value.size()) out[path] = v;
    } catch (const std::exception&) {
      // Strings and lists are not numbers; constraints cannot name them.
    }
  }
  return out;
}

double evaluate(const std::string& expr, const std::map<std::string, double>& fields) {
  mu::Parser p;
  // Field names are dotted paths.
  p.DefineNameChars("0123456789_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  std::map<std::string, double> values = fields;  // muparser binds variables by address
  try {
    for (auto& [name, v] : values) p.DefineVar(name, &v);
    p.SetExpr(expr);
    return p.Eval();
  } catch (const mu::Parser::exception_type& e) {
    throw std::invalid_argument(e.GetMsg());
  }
}

}  // namespace sinkattn::sweep
