// The RTL run path (`sinkattn rtl`): the Verilated accelerator top (rtl/sinkattn_top.sv, C++
// mode) loaded with a configuration's plan and an integer trace through the host's command
// stream (sim/host/top_stream.hpp), stepped against the shared DRAM model
// (sim/host/dram_model.hpp); returns the output rows, the phase events and the performance
// counters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dram_model.hpp"
#include "run_types.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"
#include "top_stream.hpp"

namespace sinkattn::rtl {

// The hardware the Verilated top was built with (the default preset's hw section).
struct BuiltHw {
  int head_dim, qk_lanes, pv_lanes, max_tokens, max_layers, max_q_heads, max_kv_heads, sink_sram_tokens,
      topk_parallelism, topk_lfsr_seed, bus_bytes, burst_bytes;
};
BuiltHw built_hw();

// Throws InputError(source, "hw.FIELD", reason) if `cfg` asks for hardware the RTL was not
// built with (the DRAM latency and bandwidth model are free: they live on the test side).
void check_hw(const Config& cfg);

host::RunResult run_rtl(const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt);

}  // namespace sinkattn::rtl
