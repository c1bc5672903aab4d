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
#include "run_types.hpp"
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

RtlResult run_rtl(const Config& cfg, const Plan& plan, const IntTrace& trace, const RtlOptions& opt);

}  // namespace sinkattn::cosim
