// Constraint expressions over a point's resolved configuration, evaluated by muparser.
#pragma once

#include <map>
#include <string>

#include "sinkattn/config.hpp"

namespace sinkattn::sweep {

// Every numeric field of a resolved configuration by dotted path (booleans as 0 and 1), read
// from Config::canonical so that no field is listed twice.
std::map<std::string, double> numeric_fields(const Config& cfg);

// Evaluates `expr` with the fields as variables (dotted names, "hw.qk_lanes"). Throws
// std::invalid_argument with muparser's message (unknown variable, syntax) on a bad expression.
double evaluate(const std::string& expr, const std::map<std::string, double>& fields);

}  // namespace sinkattn::sweep
