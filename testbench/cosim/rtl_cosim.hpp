// Co-simulation driver of the Verilated accelerator top (rtl/sinkattn_top.sv): loads a
// configuration's plan and an integer trace into it through the command interface, steps it
// against the shared DRAM model (sim/common/dram_model.hpp) and collects the output rows, the
// phase events and the performance counters. The SystemC co-simulation is meant to reuse the
// stimulus half of this class (the command sequence and the DRAM image).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dram_model.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"
#include "top_stream.hpp"

namespace sinkattn::cosim {

// The hardware the Verilated top was built with (the default preset's hw section).
struct BuiltHw {
  int head_dim, qk_lanes, pv_lanes, max_tokens, max_layers, max_q_heads, max_kv_heads, sink_sram_tokens,
      topk_parallelism, topk_lfsr_seed, bus_bytes, burst_bytes;
};
BuiltHw built_hw();

// Throws InputError(source, "hw.FIELD", reason) if `cfg` asks for hardware the RTL was not
// built with (the DRAM latency and bandwidth model are free: they live on the test side).
void check_hw(const Config& cfg);

struct RtlOptions {
  std::uint64_t seed = 1;          // back-pressure streams
  double req_stall = 0.0;          // DRAM request back-pressure probability per cycle
  double resp_stall = 0.0;         // DRAM response back-pressure probability per cycle
  double row_stall = 0.0;          // output-row back-pressure probability per cycle
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

RtlResult run_rtl(const Config& cfg, const Plan& plan, const IntTrace& trace, const RtlOptions& opt);

// "" when `rtl` equals `gold` (outputs, row activity, counters); else the first difference:
// "step S (token T), layer L, head H, element E: rtl X, golden Y" or the counter that differs.
std::string compare(const GoldenResult& gold, const GoldenResult& rtl);

}  // namespace sinkattn::cosim
