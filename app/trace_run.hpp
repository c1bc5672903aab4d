// What every subcommand that runs a model on a trace shares (golden, hls, sim, rtl, cosim): the
// options naming the configuration, the trace, the JSON file and the cost models, and the
// energy and area keys of its result. One place, so the options and keys cannot drift apart.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sinkattn/area.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/energy.hpp"
#include "sinkattn/golden.hpp"

namespace sinkattn::cli {

struct TraceRunArgs {
  std::string config = "sinkattn";
  std::string energy = "horowitz45";
  std::string area = "nangate45";
  std::string trace, json;
  bool quiet = false;
};

// --config, --trace (required), --json, --energy, --area. --quiet is each subcommand's own
// (what it silences differs).
void add_trace_run_options(CLI::App* sub, TraceRunArgs& a);

// The energy table and the area model a result is priced with. Loaded before the run, so a bad
// --energy or --area exits 2 before any simulation starts.
struct CostModels {
  EnergyTable energy;
  std::shared_ptr<const AreaModel> area;
};
CostModels load_cost_models(const TraceRunArgs& a);

// energy_pj, energy_pj_by_block, energy_table (of counters `c` on shape `s`) and area_um2,
// area_um2_by_block, area_memory_bits, area_model (of the configuration's hardware).
void add_costs(nlohmann::json& j, const CostModels& m, const Config& cfg, const Counters& c, const Shape& s);

}  // namespace sinkattn::cli
