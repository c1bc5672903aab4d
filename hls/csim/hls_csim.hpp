// C-simulation of the HLS kernel (hls/include/sinkattn/hls/job.hpp) on whole traces. Host side:
// the golden model's control (run_golden: alive lists, read lists, sinks, window, head pruning,
// eviction order, counters) drives the kernel job by job through its JobDatapath hook; the
// datapath of every job and the top-k engine are the kernel's. The K/V fetch is the driver's:
// it gathers each job's read list from the trace into the kernel's tile (key MSB and LSB planes,
// values), as the accelerator's fetch unit does from DRAM and the sink SRAM.
#pragma once

#include <string>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::hls {

// The kernel is compiled once per preset's generated traits (sinkattn::params::AllPresets). A
// configuration runs on the first instance whose static hardware (head_dim, max_tokens,
// max_q_heads, qk_lanes, pv_lanes, topk_parallelism, topk_lfsr_seed) equals its own; runtime
// sizes and the whole policy vary freely inside it. Returns that instance's preset name, or
// throws InputError naming the first field that no instance has.
std::string kernel_instance(const Config& cfg);

// Runs every decode step through the kernel. `opt.datapath` is ignored (the kernel is it).
GoldenResult run_hls(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt = {});

}  // namespace sinkattn::hls
