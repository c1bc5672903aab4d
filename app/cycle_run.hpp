// What `sinkattn rtl` and `sinkattn sim` share: their options, the golden check and one result
// object with the same keys, whichever cycle-level model produced it.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "run_types.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/trace.hpp"
#include "trace_run.hpp"

namespace sinkattn::cli {

struct CycleArgs : TraceRunArgs {
  std::uint64_t seed = 1;
  double stall = 0.0;      // DRAM request and response back-pressure probability per cycle
  double row_stall = 0.0;  // output-row back-pressure probability per cycle
  int stall_burst = 1;     // cycles each DRAM stall lasts
  std::string model;       // which model ran (rtl: its Verilated build, rtl::model_name(); sim: the SystemC model)
};

void add_cycle_options(CLI::App* sub, CycleArgs& a);

// Options for the model from the arguments; throws InputError for a probability outside [0, 1)
// or a stall burst below 1.
host::RunOptions cycle_options(const CycleArgs& a);

// The report pieces of a cycle-level run (with model/'s report_header and add_counters, and
// trace_run.hpp's add_costs): seed, stall, row_stall; and cycles, total_cycles, counters (every hardware counter),
// dram_backpressure_cycles, jobs, events.
void add_run_options(nlohmann::json& j, const CycleArgs& a);
void add_run_result(nlohmann::json& j, const host::RunResult& r);

// The report's prefill object (add_prefill) with the cycles model `model` measured.
void add_cycle_prefill(nlohmann::json& j, const char* model, const Config& cfg, const GoldenResult& gold,
                       const EnergyTable& energy, const host::RunResult& r);

// Checks `r` against the golden model on the same input, writes --json, prints the summary.
// Returns 0 when the outputs and counters equal golden's, 1 (after naming the first difference
// and the seed) when they do not.
int report_cycle_run(const char* mode, const CycleArgs& a, const Config& cfg, const Plan& plan, const FloatTrace& ft,
                     const IntTrace& it,
                     const host::RunResult& r);

}  // namespace sinkattn::cli
