// The points of a sweep: one value index per axis, what they resolve to, and their keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkattn/config.hpp"
#include "sinkattn/sweep/spec.hpp"

namespace sinkattn::sweep {

using Point = std::vector<int>;  // value index per axis, in the sweep file's axis order

// Points in the grid (product of the axes' value counts).
long long grid_size(const SweepSpec& s);
// The point's place in the grid, mixed radix with the last axis fastest, and back.
long long point_index(const SweepSpec& s, const Point& p);
Point point_at(const SweepSpec& s, long long index);

// The grid in order.
std::vector<Point> grid_points(const SweepSpec& s);
// `count` distinct points drawn from the grid with the sweep's seed (all of it if smaller);
// deterministic for a seed on every platform (splitmix64, no std:: distributions).
std::vector<Point> random_points(const SweepSpec& s, int count);

// axis path -> value, for the store and the export.
nlohmann::json point_json(const SweepSpec& s, const Point& p);

// What a point is: its base, its field overrides, and whether the configuration loader and
// the constraints accept it.
struct Resolved {
  std::string base;
  std::vector<FieldOverride> overrides;
  bool valid = false;        // the loader accepted it
  bool feasible = false;     // ... and every constraint holds
  std::string error;         // the loader's message, or the constraint that failed
  Config cfg;                // when valid
};
Resolved resolve(const SweepSpec& s, const Point& p);

// The tool's version, part of every key.
std::string tool_version();

// The content hash of a row: SHA-256 of the resolved configuration (Config::canonical), the
// workload's digest, the fidelity and the tool version. A point the loader refused is keyed by
// its base and overrides instead.
std::string row_key(const Resolved& r, const std::string& workload_digest, Fidelity f, const std::string& energy);

// The worker's command-line arguments for a point (after the program name): "sweep run-point
// --base B --set path=value ... --workload DIR --fidelity F --energy E".
std::vector<std::string> run_point_args(const Resolved& r, const std::string& workload_dir, Fidelity f,
                                        const std::string& energy);

}  // namespace sinkattn::sweep
