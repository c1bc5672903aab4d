// A point as a configuration file of its own, so that any one point can be re-run alone with
// the ordinary commands (sinkattn golden / sim / rtl --config FILE).
#pragma once

#include <string>

#include "sinkattn/sweep/space.hpp"

namespace sinkattn::sweep {

// Writes `path`: name, base and the overrides as nested fields. Loading it gives a
// configuration with the same Config::canonical as `r.cfg`.
void write_point_config(const Resolved& r, const std::string& name, const std::string& path);

}  // namespace sinkattn::sweep
