// The cycle-accurate SystemC model of the accelerator top (rtl/sinkattn_top.sv and the blocks it
// instantiates). run_sim() loads a configuration's plan and an integer trace through the same
// command sequence as the RTL runner (sim/rtl/rtl_run.cpp), steps the model
// against the very same DRAM model class (sim/host/dram_model.hpp) with the same seeded
// back-pressure and returns the same result shape: output rows, phase events with their cycle
// stamps, and every hardware counter (host::kCounters). Nothing here depends on Verilator.
#pragma once

#include <memory>

#include "host_loop.hpp"
#include "run_types.hpp"

namespace sinkattn::sim {

// What the model reports as it runs, from its own thread: each output row as it leaves the row
// port and each phase event as it leaves the event port, with the model's cycle. The model runs
// ahead of the SystemC kernel by up to one quantum (temporal decoupling), so `cycle` is the
// model's own cycle count, not sc_time_stamp().
using SimObserver = host::RowEventObserver;  // sim/host/host_loop.hpp

// The model as one module of a simulation that someone else elaborates and starts (the
// three-way co-simulation, sim/cosim/cosim3.cpp): construct it during elaboration, in the
// current simulation context, before sc_start(). Time: one model cycle per nanosecond.
class SimInstance {
 public:
  SimInstance(const char* name, const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt,
              SimObserver* observer = nullptr);
  ~SimInstance();
  SimInstance(const SimInstance&) = delete;
  SimInstance& operator=(const SimInstance&) = delete;
  bool done() const;  // the model's thread has finished (with a result or an error)
  // The result once done(); throws std::runtime_error with the thread's error, if any.
  host::RunResult result();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Throws InputError for hardware the model cannot represent (see check_sim_hw) and
// std::runtime_error if the model stops making progress.
host::RunResult run_sim(const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt);

// Throws InputError(source, "hw.FIELD", reason) for hardware parameters outside what the RTL
// blocks accept (the SystemC model is not tied to one build: it takes cfg.hw at run time).
void check_sim_hw(const Config& cfg);

// Throws InputError unless `trace` fits the hardware of `cfg` (check_sim_hw included).
void check_sim_fit(const Config& cfg, const IntTrace& trace);

}  // namespace sinkattn::sim
