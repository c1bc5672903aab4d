// A sweep file (docs/sweep.md): what to vary, on which workloads, under which constraints,
// toward which objectives, with which search strategy and model fidelity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sinkattn/synth.hpp"

namespace sinkattn::sweep {

// The three models, in increasing fidelity (and cost).
enum class Fidelity { kGolden, kSystemc, kRtl };
const char* to_string(Fidelity f);
bool parse_fidelity(const std::string& s, Fidelity& out);

// One swept field. `path` is a configuration field ("hw.qk_lanes") or "base" (the preset or
// configuration file a point starts from); `values` are YAML texts, in the file's order.
struct Axis {
  std::string path;
  std::vector<std::string> values;
  std::string where;  // file:line of the axis, named by errors about its values
};

// A workload: a trace directory, or gen-trace parameters made into a trace once per sweep.
struct Workload {
  std::string name;
  std::string trace_dir;  // set for a trace directory (absolute)
  bool generated = false;
  SynthParams gen;        // set when generated
  std::string where;
  // > 0: a model workload (its meta.json names the checkpoint) whose points also report the
  // model's loss with the point's policy in its decoding loop, over this many text windows.
  int loss_windows = 0;
  std::string checkpoint;
};

struct Objective {
  std::string metric;     // a metric name of the result rows (docs/sweep.md)
  bool maximize = false;
};

enum class StrategyKind { kGrid, kRandom, kNsga2 };
struct Strategy {
  StrategyKind kind = StrategyKind::kGrid;
  int count = 0;        // random: points drawn without replacement
  int population = 0;   // nsga2
  int generations = 0;  // nsga2
};

struct Constraint {
  std::string expr;   // a muparser expression over configuration fields; the point runs if non-zero
  std::string where;
};

struct SweepSpec {
  std::string file;        // the sweep file (absolute)
  std::string name;
  std::string base;        // preset name or configuration file (absolute) for points without a base axis
  std::vector<Axis> axes;
  std::vector<Workload> workloads;
  std::vector<Constraint> constraints;
  std::vector<Objective> objectives;
  Strategy strategy;
  Fidelity fidelity = Fidelity::kGolden;
  int verify = 0;          // re-run the N best Pareto points of each workload one fidelity higher
  int jobs = 2;
  double timeout_seconds = 600;
  std::uint64_t seed = 1;
  std::string energy = "horowitz45";
};

// Loads and checks a sweep file. Throws InputError(file:line, field, reason) for anything wrong.
SweepSpec load_sweep(const std::string& path);

// The metrics a row can carry and objectives can name; `cycle_level` ones need systemc or rtl.
struct MetricInfo {
  const char* name;
  bool cycle_level;
  const char* meaning;
};
const std::vector<MetricInfo>& metric_catalog();

}  // namespace sinkattn::sweep
