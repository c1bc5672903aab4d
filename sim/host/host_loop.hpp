// The one host loop of every cycle-level model: the Verilated RTL in C++ (sim/rtl/rtl_run.cpp),
// the Verilated RTL as a SystemC module (sim/cosim/cosim3.cpp) and the SystemC model
// (sim/systemc/sim_model.cpp, the top in sinkattn_top.hpp). It owns what the host does, the same for all three: the DRAM
// model, the command stream, the cycle's handshakes (DRAM request and response, row port, event
// port), the row port's back-pressure, the watchdog, reading the counters and the run's record.
// A model plugs in through a small port adapter that says only how that model is driven,
// settled, sampled and clocked.
//
// The port adapter (a class with these members; HostLoop calls nothing else):
//   void reset();                        hold reset as the hardware needs it (no cycles counted)
//   void drive(const DramModel& dram, bool row_ready);
//                                        this cycle's inputs: DRAM port (ready, valid, last, the
//                                        response beat) and the row port's ready
//   void settle();                       outputs follow this cycle's inputs (before the edge)
//   void peek();                         outputs follow the state and the inputs still applied
//                                        (between cycles, for the idle check)
//   void clock();                        the rising edge; after it the next inputs may be driven
//   void set_command(const TopCommand& c, bool valid);
//                                        the command port (opcode, address, data, vector)
//   bool cmd_ready(); bool req_valid(); std::uint64_t req_addr(); int req_len(); bool resp_ready();
//   bool row_valid(); RowTag row_tag(); const std::int16_t* row_data(std::vector<std::int16_t>& buf);
//   bool ev_valid(); PhaseEvent event();
//                                        the sampled outputs (row_data may fill buf and return it)
//   std::uint64_t counter(int index);    one hardware counter, at the end of the run
//   std::uint64_t skippable_cycles();    cycles the model may skip at once because only its own
//                                        state moves in them (0: none)
//   void skip_cycles(std::uint64_t n);   advance the model by n such cycles
//   void after_cycle(std::uint64_t cycle);   once per simulated cycle (a SystemC sync quantum)
//   std::string debug_state();           the model's state for the watchdog's message
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dram_model.hpp"
#include "run_record.hpp"
#include "run_types.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/trace.hpp"
#include "top_stream.hpp"

namespace sinkattn::host {

// The row port's header fields.
struct RowTag {
  int token = 0, layer = 0, head = 0;
  bool active = false;
};

// Who else sees the rows and events as they leave a model (the co-simulation's scoreboards).
struct RowEventObserver {
  virtual ~RowEventObserver() = default;
  virtual void on_row(int token, int layer, int head, bool active, const std::int16_t* data, std::uint64_t cycle) = 0;
  virtual void on_event(const PhaseEvent& e, std::uint64_t cycle) = 0;
};

template <class Port>
class HostLoop {
 public:
  // `model` names the model in results and errors ("rtl", "systemc"); `layout` is the hardware's
  // command layout; `dram` the DRAM model over the trace's image; `observer` may be null.
  HostLoop(Port& port, std::string model, const Config& cfg, const Plan& plan, const IntTrace& tr,
           const RunOptions& opt, const TopLayout& layout, std::unique_ptr<DramModel> dram,
           RowEventObserver* observer = nullptr)
      : port_(port), model_(std::move(model)), cfg_(cfg), plan_(plan), tr_(tr), s_(tr.shape), opt_(opt),
        layout_(layout), dram_(std::move(dram)), obs_(observer), rng_(opt.seed ^ 0x5eed0f0e5ULL) {
    rec_.start(model_, s_);
    row_buf_.assign(s_.head_dim, 0);
  }

  // Reset, the whole command stream, then until the controller is idle again; every row must
  // have left the row port. Then the counters and the run's totals.
  void run() {
    port_.reset();
    bool in_prefill = false;
    for (const TopCommand& c : top_commands(cfg_, plan_, tr_, layout_)) {
      // The prefill's cycles: from its first command, presented once the controller is idle,
      // until the controller is idle after its last (waiting for idle first takes a command in
      // the same cycle as presenting it at once would).
      const bool pre = is_prefill_command(c);
      if (pre && !in_prefill) {  // not the clear sweep before it
        wait_ready();
        prefill_start_ = cycle_;
      }
      if (!pre && in_prefill) {
        wait_ready();
        rec_.result.prefill_cycles = cycle_ - prefill_start_;
      }
      in_prefill = pre;
      command(c);
    }
    wait_ready();
    if (in_prefill) rec_.result.prefill_cycles = cycle_ - prefill_start_;
    rec_.check_every_row();
    rec_.read_counters([this](int c) { return port_.counter(c); });
    rec_.finish(cycle_, *dram_);
  }

  RunResult& result() { return rec_.result; }
  std::uint64_t cycles() const { return cycle_; }

 private:
  // Clocks until the controller is idle (ready for a command).
  void wait_ready() {
    for (;;) {
      if (const std::uint64_t n = port_.skippable_cycles(); n > 0) skip(n);
      port_.peek();
      if (port_.cmd_ready()) return;
      cycle();
    }
  }

  // One command: valid until the cycle whose settled outputs show the controller ready.
  void command(const TopCommand& c) {
    port_.set_command(c, true);
    for (;;) {
      if (const std::uint64_t n = port_.skippable_cycles(); n > 0) skip(n);
      if (cycle()) break;
    }
    port_.set_command(c, false);
    progress_ = cycle_;
  }

  // One clock: inputs, settled outputs and the handshakes they make, the rising edge, then the
  // DRAM model's transfers. Returns whether the command port's handshake fired.
  bool cycle() {
    dram_->begin_cycle();
    const bool row_ready = opt_.row_stall <= 0 || uni_(rng_) >= opt_.row_stall;
    port_.drive(*dram_, row_ready);
    port_.settle();
    const bool cmd_fire = port_.cmd_ready();
    const bool req_fire = port_.req_valid() && dram_->req_ready();
    const std::uint64_t addr = port_.req_addr();
    const int len = port_.req_len();
    const bool resp_fire = dram_->resp_valid() && port_.resp_ready();
    if (port_.row_valid() && row_ready) take_row();
    if (port_.ev_valid()) {
      const PhaseEvent e = port_.event();
      rec_.result.events.push_back(e);
      if (obs_) obs_->on_event(e, cycle_);
      progress_ = cycle_;
    }
    if (req_fire) dram_->check_request(addr, len);
    port_.clock();
    dram_->end_cycle(req_fire, addr, len, resp_fire);
    ++cycle_;
    port_.after_cycle(cycle_);
    if (cycle_ - progress_ > watchdog_)
      throw progress_error(model_.c_str(), cycle_, opt_, s_, port_.debug_state());
    return cmd_fire;
  }

  // Cycles in which nothing but the model's own state moves: the DRAM model and the row port's
  // random stream still advance cycle by cycle (both are seeded per cycle), nothing is sampled.
  void skip(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      dram_->begin_cycle();
      if (opt_.row_stall > 0) uni_(rng_);
      dram_->end_cycle(false, 0, 0, false);
    }
    port_.skip_cycles(n);
    cycle_ += n;
  }

  void take_row() {
    const RowTag r = port_.row_tag();
    const std::int16_t* data = port_.row_data(row_buf_);
    rec_.take_row(r.token, r.layer, r.head, r.active, data);
    if (obs_) obs_->on_row(r.token, r.layer, r.head, r.active, data, cycle_);
    progress_ = cycle_;
  }

  Port& port_;
  const std::string model_;
  const Config& cfg_;
  const Plan& plan_;
  const IntTrace& tr_;
  const Shape s_;
  const RunOptions opt_;
  const std::uint64_t watchdog_ = watchdog_cycles(opt_, s_);  // once a run: checked every cycle
  const TopLayout layout_;
  std::unique_ptr<DramModel> dram_;
  RowEventObserver* obs_;
  RunRecord rec_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  std::vector<std::int16_t> row_buf_;
  std::uint64_t cycle_ = 0, progress_ = 0, prefill_start_ = 0;
};

}  // namespace sinkattn::host
