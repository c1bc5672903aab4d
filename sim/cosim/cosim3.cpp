// sim/cosim/cosim3.hpp: the golden model, the SystemC model and the Verilated RTL in one
// SystemC simulation, with row and event scoreboards.
//
// Clock: one sc_clock of 1 ns (rising edges on whole nanoseconds). The RTL host thread drives
// the Verilated sc_module's inputs at each falling edge, samples its settled outputs a quarter
// period later (the handshakes: DRAM request/response, row port, event port) and lets the next
// rising edge clock the design, exactly as sim/rtl/rtl_run.cpp does around eval().
// The SystemC model (sim::SimInstance) runs in the same context on its own thread, one cycle per
// nanosecond, synchronising with the kernel once per quantum; its rows and events reach the
// scoreboards through sim::SimObserver.
#include "cosim3.hpp"

#include <systemc.h>  // Verilator's SystemC headers expect the global names
#include <verilated.h>
#include <verilated_fst_sc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "Vsinkattn_top_sc.h"
#include "dram_model.hpp"
#include "hls_csim.hpp"
#include "rtl_run.hpp"
#include "sim_model.hpp"
#include "sinkattn/numerics.hpp"
#include "host_loop.hpp"
#include "top_stream.hpp"

namespace sinkattn::cosim {
namespace {

using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;

// The signal type that binds to a Verilated port (bool, uint32_t, uint64_t or sc_bv<W>).
template <typename Port>
using SignalOf = sc_core::sc_signal<typename std::decay_t<Port>::data_type>;

// Writes `width`-bit fields (value i at bit i*width) into a signal value of any port type.
template <typename T>
T pack(const std::vector<std::uint64_t>& vals, int width) {
  if constexpr (std::is_integral_v<T> || std::is_same_v<T, bool>) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < vals.size(); ++i) v |= (vals[i] & ((1ULL << width) - 1)) << (i * width);
    return static_cast<T>(v);
  } else {
    T bv;  // sc_bv<W>, all zeros
    std::vector<std::uint32_t> words(static_cast<std::size_t>((bv.length() + 31) / 32), 0);
    for (std::size_t i = 0; i < vals.size(); ++i)
      for (int b = 0; b < width; ++b)
        if ((vals[i] >> b) & 1) {
          const std::size_t bit = i * static_cast<std::size_t>(width) + static_cast<std::size_t>(b);
          words[bit / 32] |= 1u << (bit % 32);
        }
    for (std::size_t w = 0; w < words.size(); ++w) bv.set_word(static_cast<int>(w), words[w]);
    return bv;
  }
}
template <typename T>
std::uint64_t field(const T& v, int lsb, int width) {
  if constexpr (std::is_integral_v<T> || std::is_same_v<T, bool>) {
    return (static_cast<std::uint64_t>(v) >> lsb) & ((1ULL << width) - 1);
  } else {
    std::uint64_t r = 0;
    for (int i = 0; i < width; ++i) r |= static_cast<std::uint64_t>(v.get_bit(lsb + i) ? 1 : 0) << i;
    return r;
  }
}

std::string time_now() {
  std::ostringstream os;
  os << sc_core::sc_time_stamp();
  return os.str();
}

// Both scoreboards. Called from the RTL host's thread and from the SystemC model's thread (one
// at a time: SystemC threads are coroutines).
class Scoreboard : public sim::SimObserver {
 public:
  Scoreboard(const GoldenResult& gold, std::uint64_t seed) : gold_(gold), s_(gold.shape), seed_(seed) {}

  void on_row(int token, int layer, int head, bool active, const std::int16_t* data, std::uint64_t cycle) override {
    row("systemc", token, layer, head, active, data, cycle);
  }
  void on_event(const host::PhaseEvent& e, std::uint64_t) override { event(1, e); }

  void row(const char* who, int t, int l, int h, bool active, const std::int16_t* data, std::uint64_t cycle) {
    ++rows_checked_;
    const std::string d = host::compare_row(gold_, t - s_.prompt, l, h, active, data, who);
    if (!d.empty()) fail(std::string(who) + " vs golden: " + d, cycle);
  }

  // side 0: RTL, 1: SystemC model
  void event(int side, const host::PhaseEvent& e) {
    q_[side].push_back(e);
    while (!q_[0].empty() && !q_[1].empty()) {
      const host::PhaseEvent& b = q_[0].front();  // rtl
      const std::string d = host::compare_event(events_checked_, q_[1].front(), b, s_.prompt, "systemc", "rtl");
      if (!d.empty()) fail("systemc vs rtl: " + d, b.end);
      q_[0].pop_front();
      q_[1].pop_front();
      ++events_checked_;
    }
  }

  // Events one side produced that the other never did.
  void finish() {
    for (int side = 0; side < 2; ++side)
      if (!q_[side].empty()) {
        const host::PhaseEvent& e = q_[side].front();
        fail(std::string(side == 0 ? "rtl" : "systemc") + " has " + std::to_string(q_[side].size()) +
                 " more phase events than " + (side == 0 ? "systemc" : "rtl") + ", from job " +
                 std::to_string(events_checked_) + " (" + host::describe_event(e) + ")",
             e.end);
        return;
      }
  }

  void fail(const std::string& what, std::uint64_t cycle) {
    if (!first_.empty()) return;
    first_ = what + " (cycle " + std::to_string(cycle) + ", simulation time " + time_now() + ", seed " +
             std::to_string(seed_) + ")";
  }

  const std::string& first() const { return first_; }
  std::uint64_t rows_checked() const { return rows_checked_; }
  std::uint64_t events_checked() const { return events_checked_; }

 private:
  const GoldenResult& gold_;
  const Shape s_;
  const std::uint64_t seed_;
  std::deque<host::PhaseEvent> q_[2];
  std::string first_;
  std::uint64_t rows_checked_ = 0, events_checked_ = 0;
};

// The testbench around the Verilated SystemC top: clock, signals, host command stream, DRAM
// model and row port (the protocol of rtl_run.cpp's Driver, cycle for cycle).
struct RtlHost : sc_core::sc_module {
  SC_HAS_PROCESS(RtlHost);

  sc_core::sc_clock clk{"clk", sc_time(1, SC_NS), 0.5, sc_core::SC_ZERO_TIME, true};
  SignalOf<decltype(Vsinkattn_top_sc::rst_ni)> rst_n{"rst_n"};
  SignalOf<decltype(Vsinkattn_top_sc::cmd_valid_i)> cmd_valid{"cmd_valid"};
  SignalOf<decltype(Vsinkattn_top_sc::cmd_ready_o)> cmd_ready_sig{"cmd_ready"};  // sampled by cmd_ready()
  SignalOf<decltype(Vsinkattn_top_sc::cmd_op_i)> cmd_op{"cmd_op"};
  SignalOf<decltype(Vsinkattn_top_sc::cmd_addr_i)> cmd_addr{"cmd_addr"};
  SignalOf<decltype(Vsinkattn_top_sc::cmd_data_i)> cmd_data{"cmd_data"};
  SignalOf<decltype(Vsinkattn_top_sc::cmd_vec_i)> cmd_vec{"cmd_vec"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_req_valid_o)> mem_req_valid{"mem_req_valid"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_req_ready_i)> mem_req_ready{"mem_req_ready"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_req_addr_o)> mem_req_addr{"mem_req_addr"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_req_len_o)> mem_req_len{"mem_req_len"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_resp_valid_i)> mem_resp_valid{"mem_resp_valid"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_resp_ready_o)> mem_resp_ready{"mem_resp_ready"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_resp_last_i)> mem_resp_last{"mem_resp_last"};
  SignalOf<decltype(Vsinkattn_top_sc::mem_resp_data_i)> mem_resp_data{"mem_resp_data"};
  SignalOf<decltype(Vsinkattn_top_sc::row_valid_o)> row_valid_sig{"row_valid"};  // sampled by row_valid()
  SignalOf<decltype(Vsinkattn_top_sc::row_ready_i)> row_ready{"row_ready"};
  SignalOf<decltype(Vsinkattn_top_sc::row_step_o)> row_step{"row_step"};
  SignalOf<decltype(Vsinkattn_top_sc::row_layer_o)> row_layer{"row_layer"};
  SignalOf<decltype(Vsinkattn_top_sc::row_head_o)> row_head{"row_head"};
  SignalOf<decltype(Vsinkattn_top_sc::row_active_o)> row_active{"row_active"};
  SignalOf<decltype(Vsinkattn_top_sc::row_data_o)> row_data_sig{"row_data"};  // sampled by row_data()
  SignalOf<decltype(Vsinkattn_top_sc::ev_valid_o)> ev_valid_sig{"ev_valid"};  // sampled by ev_valid()
  SignalOf<decltype(Vsinkattn_top_sc::ev_kind_o)> ev_kind{"ev_kind"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_step_o)> ev_step{"ev_step"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_layer_o)> ev_layer{"ev_layer"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_group_o)> ev_group{"ev_group"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_tokens_o)> ev_tokens{"ev_tokens"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_start_o)> ev_start{"ev_start"};
  SignalOf<decltype(Vsinkattn_top_sc::ev_end_o)> ev_end{"ev_end"};
  SignalOf<decltype(Vsinkattn_top_sc::ctr_sel_i)> ctr_sel{"ctr_sel"};
  SignalOf<decltype(Vsinkattn_top_sc::ctr_o)> ctr{"ctr"};
  Vsinkattn_top_sc top{"sinkattn_top"};

  RtlHost(sc_core::sc_module_name n, const Config& cfg, const Plan& plan, const IntTrace& tr, const CosimOptions& opt,
          Scoreboard& sb, sim::SimInstance& model)
      : sc_core::sc_module(n), bytes_per_cycle_(cfg.hw.dram.bytes_per_cycle), trace_d_(tr.shape.head_dim), sb_(sb),
        model_(model), rtl_side_(sb),
        loop_(*this, "rtl", cfg, plan, tr, opt.run, {rtl::built_hw().max_kv_heads, rtl::built_hw().sink_sram_tokens},
              dram(cfg, tr, opt), &rtl_side_) {
    top.clk_i(clk);
    top.rst_ni(rst_n);
    top.cmd_valid_i(cmd_valid);
    top.cmd_ready_o(cmd_ready_sig);
    top.cmd_op_i(cmd_op);
    top.cmd_addr_i(cmd_addr);
    top.cmd_data_i(cmd_data);
    top.cmd_vec_i(cmd_vec);
    top.mem_req_valid_o(mem_req_valid);
    top.mem_req_ready_i(mem_req_ready);
    top.mem_req_addr_o(mem_req_addr);
    top.mem_req_len_o(mem_req_len);
    top.mem_resp_valid_i(mem_resp_valid);
    top.mem_resp_ready_o(mem_resp_ready);
    top.mem_resp_last_i(mem_resp_last);
    top.mem_resp_data_i(mem_resp_data);
    top.row_valid_o(row_valid_sig);
    top.row_ready_i(row_ready);
    top.row_step_o(row_step);
    top.row_layer_o(row_layer);
    top.row_head_o(row_head);
    top.row_active_o(row_active);
    top.row_data_o(row_data_sig);
    top.ev_valid_o(ev_valid_sig);
    top.ev_kind_o(ev_kind);
    top.ev_step_o(ev_step);
    top.ev_layer_o(ev_layer);
    top.ev_group_o(ev_group);
    top.ev_tokens_o(ev_tokens);
    top.ev_start_o(ev_start);
    top.ev_end_o(ev_end);
    top.ctr_sel_i(ctr_sel);
    top.ctr_o(ctr);

    SC_THREAD(main);
  }

  void start_waves(const std::string& file) {
    Verilated::traceEverOn(true);
    fst_ = std::make_unique<VerilatedFstSc>();
    top.trace(fst_.get(), 99);
    fst_->open(file.c_str());
  }
  ~RtlHost() override {
    if (fst_) fst_->close();
  }

  host::RunResult& result() { return loop_.result(); }
  std::string error_;

  // The port (host_loop.hpp). A cycle is entered and left at a falling edge: the inputs are
  // driven there, the settled outputs sampled a quarter period later, and the rising edge in
  // between clocks the design.
  void reset() {
    rst_n.write(false);
    for (int i = 0; i < 3; ++i) wait(clk.posedge_event());
    wait(clk.negedge_event());
    rst_n.write(true);
  }
  void drive(const host::DramModel& dram, bool rr) {
    mem_req_ready.write(dram.req_ready());
    mem_resp_valid.write(dram.resp_valid());
    mem_resp_last.write(dram.resp_last());
    std::vector<std::uint64_t> beat(static_cast<std::size_t>(bytes_per_cycle_));
    for (std::size_t b = 0; b < beat.size(); ++b) beat[b] = dram.resp_data()[b];
    mem_resp_data.write(pack<std::decay_t<decltype(mem_resp_data.read())>>(beat, 8));
    row_ready.write(rr);
  }
  void settle() { wait(quarter_); }
  void peek() {}  // at a falling edge the outputs have settled since the rising edge
  void clock() { wait(clk.negedge_event()); }
  void set_command(const host::TopCommand& c, bool valid) {
    cmd_valid.write(valid);
    if (!valid) return;
    cmd_op.write(static_cast<std::decay_t<decltype(cmd_op.read())>>(c.op));
    cmd_addr.write(c.addr);
    cmd_data.write(c.data);
    const int hw_d = rtl::built_hw().head_dim;
    std::vector<std::uint64_t> v(static_cast<std::size_t>(hw_d), 0);
    for (int d = 0; d < hw_d; ++d)
      v[d] = c.vec && d < trace_d_ ? static_cast<std::uint16_t>(c.vec[d]) & ((1u << num::kDataBits) - 1) : 0;
    cmd_vec.write(pack<std::decay_t<decltype(cmd_vec.read())>>(v, num::kDataBits));
  }
  bool cmd_ready() { return cmd_ready_sig.read(); }
  bool req_valid() { return mem_req_valid.read(); }
  std::uint64_t req_addr() { return mem_req_addr.read(); }
  int req_len() { return static_cast<int>(mem_req_len.read()); }
  bool resp_ready() { return mem_resp_ready.read(); }
  bool row_valid() { return row_valid_sig.read(); }
  host::RowTag row_tag() {
    return {static_cast<int>(row_step.read()), static_cast<int>(row_layer.read()), static_cast<int>(row_head.read()),
            row_active.read()};
  }
  const std::int16_t* row_data(std::vector<std::int16_t>& buf) {
    const auto data = row_data_sig.read();
    for (int d = 0; d < trace_d_; ++d) buf[d] = static_cast<std::int16_t>(field(data, d * num::kOutBits, num::kOutBits));
    return buf.data();
  }
  bool ev_valid() { return ev_valid_sig.read(); }
  host::PhaseEvent event() {
    return {static_cast<int>(ev_kind.read()),   static_cast<int>(ev_step.read()),   static_cast<int>(ev_layer.read()),
            static_cast<int>(ev_group.read()),  static_cast<int>(ev_tokens.read()), ev_start.read(),
            ev_end.read()};
  }
  // All counters within one half period (the select is combinational), before the next edge.
  std::uint64_t counter(int c) {
    ctr_sel.write(static_cast<std::decay_t<decltype(ctr_sel.read())>>(c));
    wait(quarter_ / static_cast<double>(host::kNumCounters + 1));
    return static_cast<std::uint64_t>(ctr.read());
  }
  std::uint64_t skippable_cycles() { return 0; }
  void skip_cycles(std::uint64_t) {}
  void after_cycle(std::uint64_t) {}
  std::string debug_state() { return {}; }

 private:
  // The RTL's rows and events reach the scoreboards as side 0, named "rtl".
  struct RtlSide : host::RowEventObserver {
    explicit RtlSide(Scoreboard& sb) : sb(sb) {}
    void on_row(int t, int l, int h, bool active, const std::int16_t* data, std::uint64_t cycle) override {
      sb.row("rtl", t, l, h, active, data, cycle);
    }
    void on_event(const host::PhaseEvent& e, std::uint64_t) override { sb.event(0, e); }
    Scoreboard& sb;
  };

  // The DRAM model over the trace's image, with the co-simulation's injected faults if asked.
  static std::unique_ptr<host::DramModel> dram(const Config& cfg, const IntTrace& tr, const CosimOptions& opt) {
    const host::DramParams dp = host::dram_params(cfg, opt.run, opt.inject == Inject::kRtlDramLatency ? 1 : 0);
    std::vector<std::uint8_t> image = host::dram_image(tr, rtl::built_hw().head_dim);
    if (opt.inject == Inject::kRtlDramData)
      for (auto& b : image) b ^= 0x80;
    return std::make_unique<host::DramModel>(dp, std::move(image));
  }

  const sc_time quarter_{250, SC_PS};

  void main() {
    try {
      loop_.run();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
    // The clock runs for ever: stop the kernel once the SystemC model is done as well.
    while (!model_.done()) wait(clk.posedge_event());
    sc_core::sc_stop();
  }

  const int bytes_per_cycle_, trace_d_;
  Scoreboard& sb_;
  sim::SimInstance& model_;
  RtlSide rtl_side_;
  std::unique_ptr<VerilatedFstSc> fst_;
  host::HostLoop<RtlHost> loop_;  // last: built after the signals it drives
};

}  // namespace

CosimResult run_cosim(const Config& cfg, const Plan& plan, const IntTrace& trace, const CosimOptions& opt) {
  rtl::check_hw(cfg);
  sim::check_sim_fit(cfg, trace);
  CosimResult res;
  const auto t0 = std::chrono::steady_clock::now();
  GoldenOptions gopt;
  gopt.record_keep = true;  // fidelity's mass recall
  res.golden = run_golden(cfg, plan, trace, gopt);
  res.golden_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  // The RTL host ends the run with sc_stop() (the clock never stops): no "stopped by user" note.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  Scoreboard sb(res.golden, opt.run.seed);
  if (opt.with_hls) {
    const auto h0 = std::chrono::steady_clock::now();
    res.hls = hls::run_hls(cfg, plan, trace);
    res.hls_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - h0).count();
    const Shape& s = trace.shape;
    if (opt.inject == Inject::kHlsOutput)
      for (std::size_t r = res.hls.row_active.size(); r-- > 0;)
        if (res.hls.row_active[r]) {
          res.hls.out[r * static_cast<std::size_t>(s.head_dim)] ^= 1;
          break;
        }
    for (int st = 0; st < s.steps(); ++st)
      for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.q_heads; ++h) {
          const std::size_t r = res.hls.row_index(st, l, h);
          sb.row("hls", st + s.prompt, l, h, res.hls.row_active[r] != 0,
                 res.hls.out.data() + r * static_cast<std::size_t>(s.head_dim), 0);
        }
  }
  std::string rtl_error;
  {
    sim::SimInstance model("systemc", cfg, plan, trace, opt.run, &sb);
    RtlHost rtl("rtl", cfg, plan, trace, opt, sb, model);
    if (!opt.run.waves.empty()) {
      sc_core::sc_start(sc_core::SC_ZERO_TIME);  // Verilator traces an elaborated model only
      rtl.start_waves(opt.run.waves);
    }
    sc_core::sc_start();
    if (!rtl.error_.empty()) throw std::runtime_error(rtl.error_);
    res.systemc = model.result();
    res.rtl = std::move(rtl.result());
  }
  sb.finish();
  res.rows_checked = sb.rows_checked();
  res.events_checked = sb.events_checked();
  res.first_mismatch = sb.first();
  // Totals: every row seen (the hosts throw otherwise), counters against golden, then timing.
  if (res.first_mismatch.empty()) {
    std::string d = host::compare(res.golden, res.systemc.run, "systemc");
    if (!d.empty()) res.first_mismatch = "systemc vs golden: " + d;
  }
  if (res.first_mismatch.empty() && opt.with_hls) {
    std::string d = host::compare(res.golden, res.hls, "hls");
    if (!d.empty()) res.first_mismatch = "hls vs golden: " + d;
  }
  if (res.first_mismatch.empty()) {
    std::string d = host::compare(res.golden, res.rtl.run);
    if (!d.empty()) res.first_mismatch = "rtl vs golden: " + d;
  }
  if (res.first_mismatch.empty()) {
    std::string d = host::compare_timing(res.systemc, res.rtl);
    if (!d.empty()) res.first_mismatch = "systemc vs rtl: " + d;
  }
  if (res.first_mismatch.empty() && res.systemc.cycles != res.rtl.cycles)
    res.first_mismatch = "systemc vs rtl: busy cycles " + std::to_string(res.systemc.cycles) + " vs " +
                         std::to_string(res.rtl.cycles);
  if (!res.first_mismatch.empty() && res.first_mismatch.find("seed ") == std::string::npos)
    res.first_mismatch += " (seed " + std::to_string(opt.run.seed) + ")";
  res.match = res.first_mismatch.empty();
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double sim_seconds = res.wall_seconds - res.golden_seconds - res.hls_seconds;
  res.systemc.wall_seconds = res.rtl.wall_seconds = sim_seconds;  // one simulation: shared wall time
  return res;
}

}  // namespace sinkattn::cosim
