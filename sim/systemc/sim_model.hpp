// The cycle-accurate SystemC model of the accelerator top (rtl/sinkattn_top.sv and the blocks it
// instantiates). run_sim() loads a configuration's plan and an integer trace through the same
// command sequence as the RTL co-simulation driver (testbench/cosim/rtl_cosim.cpp), steps the
// model against the very same DRAM model class (sim/common/dram_model.hpp) with the same seeded
// back-pressure and returns the same result shape: output rows, phase events with their cycle
// stamps, and the 22 hardware counters. Nothing here depends on Verilator.
#pragma once

#include "run_types.hpp"

namespace sinkattn::sim {

using SimOptions = cosim::RtlOptions;  // seed, back-pressure, outstanding requests, watchdog (waves unused)
using SimResult = cosim::RtlResult;

// Throws InputError for hardware the model cannot represent (see check_sim_hw) and
// std::runtime_error if the model stops making progress.
SimResult run_sim(const Config& cfg, const Plan& plan, const IntTrace& trace, const SimOptions& opt);

// Throws InputError(source, "hw.FIELD", reason) for hardware parameters outside what the RTL
// blocks accept (the SystemC model is not tied to one build: it takes cfg.hw at run time).
void check_sim_hw(const Config& cfg);

}  // namespace sinkattn::sim
