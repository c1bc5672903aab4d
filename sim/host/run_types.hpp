// What one run of a cycle-level model of the accelerator returns (the Verilated RTL through
// sim/rtl/rtl_run.hpp, the SystemC model through sim/systemc/sim_model.hpp), the DRAM
// image both load, and the comparisons the tests and the CLI use. No Verilator, no SystemC.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "top_stream.hpp"  // dram_image, the stimulus both models load

namespace sinkattn::host {

struct RunOptions {
  std::uint64_t seed = 1;          // back-pressure streams
  double req_stall = 0.0;          // DRAM request back-pressure probability per cycle
  double resp_stall = 0.0;         // DRAM response back-pressure probability per cycle
  double row_stall = 0.0;          // output-row back-pressure probability per cycle
  int stall_burst = 1;             // cycles each DRAM stall lasts (host::DramParams::stall_burst)
  int max_outstanding = 64;        // DRAM requests in flight
  std::string waves;               // FST file to write ("" = none)
  std::uint64_t watchdog = 2000000;  // cycles without progress before giving up
};

// The watchdog's limit for one run (the host loop computes it once and, once a cycle, throws
// progress_error() when this many cycles pass without an event or a row): RunOptions::watchdog, plus
// the longest phases that legitimately have neither:
//   - the clear sweep (OpClear), which walks every (scope, list, token) of the trace, L x Hkv x T
//     entries, one a cycle: 8.4 M cycles for a 32k-token Llama-3-8B-shaped trace, which a fixed
//     2 M-cycle watchdog took for a hang;
//   - a job over the whole context (a retrieval head, or the first decode step without host
//     prefill), whose first row leaves after its keys and values are in: up to T tokens of at
//     most 8 D bytes each at one byte a cycle, and a softmax and P.V beat of each of its rows
//     (4 a token for a group): 75 M cycles for a million-token context at D 8, group 2.
inline std::uint64_t watchdog_cycles(const RunOptions& opt, const Shape& s) {
  const std::uint64_t t = static_cast<std::uint64_t>(s.tokens);
  const std::uint64_t group = s.kv_heads > 0 ? static_cast<std::uint64_t>(s.q_heads / s.kv_heads) : 1;
  return opt.watchdog + static_cast<std::uint64_t>(s.layers) * static_cast<std::uint64_t>(s.kv_heads) * t +
         t * (8 * static_cast<std::uint64_t>(s.head_dim) + 4 * group);
}

// "<who>: no progress for N cycles at cycle C (seed S)[: state]".
inline std::runtime_error progress_error(const char* who, std::uint64_t cycle, const RunOptions& opt, const Shape& s,
                                         const std::string& state = "") {
  return std::runtime_error(std::string(who) + ": no progress for " + std::to_string(watchdog_cycles(opt, s)) +
                            " cycles at cycle " + std::to_string(cycle) + " (seed " + std::to_string(opt.seed) + ")" +
                            (state.empty() ? "" : ": " + state));
}

struct PhaseEvent {
  int kind;                        // EventKind: kEvHeadPruning, kEvJob, kEvEviction
  int step, layer, group, tokens;
  std::uint64_t start, end;        // cycle stamps (since reset)
};

struct RunResult {
  GoldenResult run;                // out, row_active and the counters the golden model has too
  std::vector<PhaseEvent> events;
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // every hardware counter, in index order
  std::uint64_t cycles = 0;        // cycles with the controller busy (decode runs and prefill passes, commands excluded)
  std::uint64_t total_cycles = 0;  // every simulated cycle, loading and command traffic included
  // The prefill's share of total_cycles: from the first importance load until the controller is
  // idle after the last prefill eviction pass (0 when the run has no prefill).
  std::uint64_t prefill_cycles = 0;
  std::uint64_t dram_req_stall = 0, dram_resp_stall = 0;  // back-pressure the DRAM model applied
  double wall_seconds = 0;
};

// The comparisons, one of each, used by the CLI, the co-simulation's scoreboards and the tests.
// Each returns "" on equality, else the first difference in words.

// "step S (token T), layer L, head H (KV-head job group G)".
std::string row_name(const Shape& s, int step, int layer, int head);

// One output row of model `who` against golden's row of the same (step, layer, head): its
// activity, then "..., element E: <who> X, golden Y".
std::string compare_row(const GoldenResult& gold, int step, int layer, int head, bool active, const std::int16_t* data,
                        const char* who = "rtl");

// Every counter the golden model keeps (host::kCounters): "counter NAME: <who> X, golden Y".
std::string compare_counters(const Counters& run, const Counters& gold, const char* who = "rtl");

// A whole run against golden: every row (compare_row), then the counters.
std::string compare(const GoldenResult& gold, const GoldenResult& run, const char* who = "rtl");

// The index-th phase event of two models: "job I (KIND, step S (token T), layer L, group G):
// <a> kind .. cycles A..B, <b> kind .. cycles C..D".
std::string compare_event(std::size_t index, const PhaseEvent& a, const PhaseEvent& b, int prompt,
                          const char* a_name = "systemc", const char* b_name = "rtl");

// "KIND, token T, layer L, group G".
std::string describe_event(const PhaseEvent& e);

// Two runs cycle for cycle: every event (compare_event), the event count, the total cycles and
// every hardware counter.
std::string compare_timing(const RunResult& a, const RunResult& b, const char* a_name = "systemc",
                           const char* b_name = "rtl");

}  // namespace sinkattn::host

namespace sinkattn::host {
// The golden model's Counters from the hardware counters (by name, through kCounters; every
// counter with a golden member must be there).
void fill_counters(const std::vector<std::pair<std::string, std::uint64_t>>& hw, Counters& c);

// The hardware counters' names in index order (kCounters, configs/host_contract.yaml).
const std::vector<std::string>& counter_names();
}  // namespace sinkattn::host
