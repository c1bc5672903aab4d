// The SystemC model of rtl/sinkattn_top.sv (sinkattn_top.hpp: the top's processes, and one block
// model per RTL block, cells.hpp) as a runnable simulation. SimHost is the testbench side: the
// command sequence of sim/rtl/rtl_run.cpp, the DRAM port (host::DramModel, the same class and
// seeds as the RTL harness) and the row port.
//
// Time: one SC_THREAD clocks the model. It steps whole cycles in plain C++ and hands the
// elapsed time to the SystemC kernel with wait() once per quantum (temporal decoupling, as a
// TLM-2 loosely-timed initiator does), so sc_time_stamp() is the cycle count at every sync
// point without a context switch per cycle.
#include "sim_model.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "sinkattn_top.hpp"
#include "dram_model.hpp"
#include "host_loop.hpp"
#include "top_stream.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn::sim {
namespace {

// The testbench side: host::HostLoop (host_loop.hpp) around the model, one clocked thread. The
// model is the loop's port: driven and settled by comb(), clocked by edge().
struct SimHost : sc_core::sc_module {
  SC_HAS_PROCESS(SimHost);
  SimHost(sc_core::sc_module_name n, const Config& cfg, const Plan& plan, const IntTrace& tr, const host::RunOptions& opt,
          SimObserver* obs = nullptr)
      : sc_core::sc_module(n), acc_("sinkattn_top", cfg, tr),
        loop_(*this, "systemc", cfg, plan, tr, opt, {cfg.hw.max_kv_heads, cfg.hw.sink_sram_tokens},
              // The image read on demand from the integer trace, not a copy of it (docs/dram.md).
              host::dram_over_trace(host::dram_params(cfg, opt), tr, cfg.hw.head_dim), obs) {
    SC_THREAD(main);
  }

  host::RunResult& result() { return loop_.result(); }
  std::string error_;
  bool done_ = false;

  // The port (host_loop.hpp). The model reads sink keys and values from the trace, but the
  // command traffic and its cycles are the RTL's.
  void reset() {}  // built in its reset state
  void drive(const host::DramModel& dram, bool row_ready) {
    acc_.row_ready = row_ready;
    acc_.set_mem(dram.req_ready(), dram.resp_valid(), dram.resp_last());
  }
  void settle() { acc_.comb(); }
  void peek() { acc_.comb(); }
  void clock() { acc_.edge(); }
  void set_command(const host::TopCommand& c, bool valid) {
    acc_.cmd_valid = valid;
    if (!valid) return;
    acc_.cmd_op = c.op;
    acc_.cmd_addr = c.addr;
    acc_.cmd_data = c.data;
    acc_.cmd_vec = c.vec;
  }
  bool cmd_ready() { return acc_.cmd_ready; }
  bool req_valid() { return acc_.fetch.req_valid; }
  std::uint64_t req_addr() { return acc_.fetch.addr; }
  int req_len() { return acc_.fetch.len; }
  bool resp_ready() { return true; }  // as the RTL's mem_resp_ready_o: every beat is taken
  bool row_valid() { return acc_.row_valid; }
  host::RowTag row_tag() { return {acc_.row_step(), acc_.row_layer(), acc_.row_head(), acc_.row_active()}; }
  const std::int16_t* row_data(std::vector<std::int16_t>&) { return acc_.row_data().data(); }
  bool ev_valid() { return acc_.ev_valid; }
  host::PhaseEvent event() { return acc_.ev; }
  std::uint64_t counter(int c) { return acc_.counter(c); }
  // The clear sweep touches nothing but its own memories: skip it in one step.
  std::uint64_t skippable_cycles() {
    const std::uint64_t n = acc_.clear_cycles_left();
    return n > 2 && acc_.fetch.idle ? n - 1 : 0;
  }
  void skip_cycles(std::uint64_t n) { acc_.skip_clear_partial(n); }
  void after_cycle(std::uint64_t cycle) {
    if (cycle - synced_ >= kQuantum) sync(cycle);
  }
  std::string debug_state() { return acc_.debug_state(); }

 private:
  static constexpr std::uint64_t kQuantum = 4096;  // cycles between synchronisations with the kernel
  const sc_core::sc_time period_{1, sc_core::SC_NS};

  void main() {
    try {
      loop_.run();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    sync(loop_.cycles());
    done_ = true;
  }
  void sync(std::uint64_t cycle) {
    if (cycle > synced_) wait(period_ * static_cast<double>(cycle - synced_));
    synced_ = cycle;
  }

  SinkattnTop acc_;
  std::uint64_t synced_ = 0;
  host::HostLoop<SimHost> loop_;  // last: built after the model it drives
};

}  // namespace

void check_sim_hw(const Config& cfg) {
  const HwConfig& h = cfg.hw;
  const std::string file = cfg.source.empty() ? cfg.name : cfg.source;
  // (load_config checks it too; a configuration built in code may not have been loaded.)
  if (h.out_lanes < 1 || h.head_dim % h.out_lanes != 0)
    throw InputError(file, "hw.out_lanes", "must divide hw.head_dim: a row leaves the P.V lanes in whole beats");
  if (h.max_layers > 64) throw InputError(file, "hw.max_layers", "the model keeps per-layer masks in 64 bits");
  if (h.dram.burst_bytes % h.dram.bytes_per_cycle != 0)
    throw InputError(file, "hw.dram.burst_bytes", "must be a multiple of hw.dram.bytes_per_cycle");
}

void check_sim_fit(const Config& cfg, const IntTrace& trace) {
  check_sim_hw(cfg);
  const Shape& s = trace.shape;
  if (s.tokens > cfg.hw.max_tokens || s.layers > cfg.hw.max_layers || s.q_heads > cfg.hw.max_q_heads ||
      s.kv_heads > cfg.hw.max_kv_heads || s.head_dim > cfg.hw.head_dim)
    throw InputError(cfg.source.empty() ? cfg.name : cfg.source, "hw", "the trace does not fit this hardware");
}

struct SimInstance::Impl {
  std::unique_ptr<SimHost> host;
};

SimInstance::SimInstance(const char* name, const Config& cfg, const Plan& plan, const IntTrace& trace,
                         const host::RunOptions& opt, SimObserver* observer)
    : impl_(std::make_unique<Impl>()) {
  check_sim_fit(cfg, trace);
  impl_->host = std::make_unique<SimHost>(name, cfg, plan, trace, opt, observer);
}
SimInstance::~SimInstance() = default;
bool SimInstance::done() const { return impl_->host->done_; }
host::RunResult SimInstance::result() {
  if (!impl_->host->error_.empty()) throw std::runtime_error(impl_->host->error_);
  if (!impl_->host->done_) throw std::logic_error("SimInstance::result before the model finished");
  return std::move(impl_->host->result());
}

host::RunResult run_sim(const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt) {
  check_sim_fit(cfg, trace);
  const auto t0 = std::chrono::steady_clock::now();
  // One fresh simulation context per run, so that a process can run the model many times
  // (SystemC allows one elaboration per context).
  setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  host::RunResult res;
  {
    SimInstance model("tb", cfg, plan, trace, opt);
    sc_core::sc_start();
    res = model.result();
  }
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace sinkattn::sim

// libsystemc's own main() calls sc_main; the programs that link this model have their own
// main() and start the kernel through run_sim(), so this is never called.
int sc_main(int, char*[]) {
  std::cerr << "sinkattn_sim: sc_main is not an entry point; call sinkattn::sim::run_sim\n";
  return 1;
}
