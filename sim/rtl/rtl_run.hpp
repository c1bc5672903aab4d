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

// The hardware the Verilated top was built with (rtl_parameter_list's fields; the rest default),
// from the generated traits of its build.
const HwConfig& built_hw();

// Throws InputError(source, "hw.FIELD", reason) if `cfg` asks for hardware the RTL was not
// built with (the DRAM latency and bandwidth model are free: they live on the test side).
void check_hw(const Config& cfg);

// Whether this program's Verilated top has `cfg`'s hardware (check_hw would pass). For other
// hardware, sinkattn hands the command to a runner built for it (rtl_build.hpp).
bool built_for(const Config& cfg);

// Which Verilated model this program runs: "Vsinkattn_top hw <digest> (<origin>)", where the
// origin is the default build, a hardware-variant preset of the main build, or an on-demand
// build's directory. Recorded in results (sweep rows' rtl_model).
std::string model_name();

host::RunResult run_rtl(const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt);

}  // namespace sinkattn::rtl
