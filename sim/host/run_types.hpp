// What one run of a cycle-level model of the accelerator returns (the Verilated RTL through
// sim/rtl/rtl_run.hpp, the SystemC model through sim/systemc/sim_model.hpp), the DRAM
// image both load, and the comparisons the tests and the CLI use. No Verilator, no SystemC.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"
#include "top_stream.hpp"  // dram_image, the stimulus both models load

namespace sinkattn::host {

struct RtlOptions {
  std::uint64_t seed = 1;          // back-pressure streams
  double req_stall = 0.0;          // DRAM request back-pressure probability per cycle
  double resp_stall = 0.0;         // DRAM response back-pressure probability per cycle
  double row_stall = 0.0;          // output-row back-pressure probability per cycle
  int stall_burst = 1;             // cycles each DRAM stall lasts (host::DramParams::stall_burst)
  int max_outstanding = 64;        // DRAM requests in flight
  std::string waves;               // FST file to write ("" = none)
  std::uint64_t watchdog = 2000000;  // cycles without progress before giving up
};

struct PhaseEvent {
  int kind;                        // 0 head pruning, 1 KV-head job, 2 eviction
  int step, layer, group, tokens;
  std::uint64_t start, end;        // cycle stamps (since reset)
};

struct RtlResult {
  GoldenResult run;                // out, row_active and the counters the golden model has too
  std::vector<PhaseEvent> events;
  std::vector<std::pair<std::string, std::uint64_t>> counters;  // every hardware counter, in index order
  std::uint64_t cycles = 0;        // cycles with the controller busy (decode, queries excluded)
  std::uint64_t total_cycles = 0;  // every simulated cycle, loading and command traffic included
  std::uint64_t dram_req_stall = 0, dram_resp_stall = 0;  // back-pressure the DRAM model applied
  double wall_seconds = 0;
};

// "" when `rtl` equals `gold` (outputs, row activity, counters); else the first difference:
// "step S (token T), layer L, head H, element E: rtl X, golden Y" or the counter that differs.
// `name` names the implementation compared with golden (rtl, systemc, hls).
std::string compare(const GoldenResult& gold, const GoldenResult& rtl, const char* name = "rtl");

// "" when both runs have the same events (kind, step, layer, group, tokens, start and end
// stamps, in order) and the same total cycles and hardware counters; else the first diverging
// job "job J: kind K step S layer L group G: <a> start/end ..., <b> ..." or the counter.
std::string compare_timing(const RtlResult& a, const RtlResult& b, const char* a_name = "systemc",
                           const char* b_name = "rtl");

}  // namespace sinkattn::host

namespace sinkattn::host {
// The golden model's Counters from the hardware counters (by name; every one must be there).
void fill_counters(const std::vector<std::pair<std::string, std::uint64_t>>& hw, Counters& c);

// The hardware counters' names in index order (the RTL's ctr_sel_i, rtl/sinkattn_top.sv).
const std::vector<std::string>& counter_names();
}  // namespace sinkattn::host
