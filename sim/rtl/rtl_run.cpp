#include "rtl_run.hpp"

#include <verilated.h>
#include <verilated_fst_c.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "Vsinkattn_top.h"
#include SINKATTN_RTL_TRAITS_HEADER
#if SINKATTN_RTL_COVERAGE
#include "vl_coverage.hpp"
#endif
#include "sinkattn/digest.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"
#include "host_loop.hpp"
#include "top_stream.hpp"
#include "vl_bits.hpp"

namespace sinkattn::rtl {
namespace {

// The Verilated top, built once per thread and reused by every run on that thread (runs without
// waveforms). Building it zero-fills its memories, tens of MB at the default preset's hardware
// (the importance SRAM alone has 2^22 words), which cost as much CPU as simulating a small case.
// Every run starts with a reset, as the hardware does, and finds the memories as the last run
// left them: the design must not depend on power-up contents (it clears or loads what it reads),
// and the runs of the tests and the soak after the first check that it does not.
struct Model {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vsinkattn_top> top;
#if SINKATTN_RTL_COVERAGE
  std::string coverage_file;  // rewritten after every run with the running totals
#endif
};

Model& reused_model() {
  thread_local Model m;
  if (!m.top) {
    m.ctx = std::make_unique<VerilatedContext>();
    m.top = std::make_unique<Vsinkattn_top>(m.ctx.get(), "top");
#if SINKATTN_RTL_COVERAGE
    m.coverage_file = vlcov::next_file("sinkattn_top");
#endif
  }
  return m;
}


// The Verilated C++ top as host::HostLoop's port (host_loop.hpp): its ports driven and sampled
// around eval(), one clock per edge().
class VerilatedPort {
 public:
  VerilatedPort(const Config& cfg, const Plan& plan, const IntTrace& tr, const host::RunOptions& opt)
      : bytes_per_cycle_(cfg.hw.dram.bytes_per_cycle), trace_d_(tr.shape.head_dim),
        loop_(*this, "rtl", cfg, plan, tr, opt, {built_hw().max_kv_heads, built_hw().sink_sram_tokens},
              // The image read on demand from the integer trace, not a copy of it (docs/dram.md).
              host::dram_over_trace(host::dram_params(cfg, opt), tr, built_hw().head_dim)) {
    if (opt.waves.empty()) {
      Model& m = reused_model();
      ctx_ = m.ctx.get();
      top_ = m.top.get();
    } else {  // a model of its own, built with tracing on
      own_ctx_ = std::make_unique<VerilatedContext>();
      own_ctx_->traceEverOn(true);
      own_top_ = std::make_unique<Vsinkattn_top>(own_ctx_.get(), "top");
      ctx_ = own_ctx_.get();
      top_ = own_top_.get();
      fst_ = std::make_unique<VerilatedFstC>();
      top_->trace(fst_.get(), 99);
      fst_->open(opt.waves.c_str());
    }
  }
  ~VerilatedPort() {
    if (own_top_) own_top_->final();
    if (fst_) fst_->close();
  }

  host::RunResult run() {
    const auto t0 = std::chrono::steady_clock::now();
    loop_.run();
#if SINKATTN_RTL_COVERAGE
    vlcov::write(*ctx_, own_top_ ? vlcov::next_file("sinkattn_top") : reused_model().coverage_file);
#endif
    host::RunResult res = std::move(loop_.result());
    res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
  }

  // The port (host_loop.hpp).
  void reset() {
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->cmd_valid_i = 0;
    top_->mem_req_ready_i = 0;
    top_->mem_resp_valid_i = 0;
    top_->row_ready_i = 0;
    top_->eval();
    for (int i = 0; i < 3; ++i) clock();
    top_->rst_ni = 1;
    top_->eval();
  }
  void drive(const host::DramModel& dram, bool row_ready) {
    top_->mem_req_ready_i = dram.req_ready();
    top_->mem_resp_valid_i = dram.resp_valid();
    top_->mem_resp_last_i = dram.resp_last();
    const std::uint8_t* beat = dram.resp_data();
    for (int b = 0; b < bytes_per_cycle_; ++b) put_bits(top_->mem_resp_data_i, 8 * b, 8, beat[b]);
    top_->row_ready_i = row_ready;
  }
  void settle() { top_->eval(); }
  void peek() { top_->eval(); }
  // The rising edge, then the clock low again. The design has no falling-edge logic, so without
  // waveforms the low phase is left to the next eval(), which the next cycle's inputs need anyway:
  // every eval() runs the design's input-dependent logic, most of the model's time.
  void clock() {
    if (fst_) fst_->dump(time_);
    top_->clk_i = 1;
    top_->eval();
    ++time_;
    top_->clk_i = 0;
    if (fst_) {
      top_->eval();
      fst_->dump(time_);
    }
    ++time_;
  }
  void set_command(const host::TopCommand& c, bool valid) {
    top_->cmd_valid_i = valid;
    if (!valid) return;
    top_->cmd_op_i = c.op;
    top_->cmd_addr_i = c.addr;
    top_->cmd_data_i = c.data;
    const int hw_d = built_hw().head_dim;
    for (int d = 0; d < hw_d; ++d)
      put_bits(top_->cmd_vec_i, d * num::kDataBits, num::kDataBits,
               c.vec && d < trace_d_ ? static_cast<std::uint16_t>(c.vec[d]) : 0);
  }
  bool cmd_ready() { return top_->cmd_ready_o; }
  bool req_valid() { return top_->mem_req_valid_o; }
  std::uint64_t req_addr() { return top_->mem_req_addr_o; }
  int req_len() { return top_->mem_req_len_o; }
  bool resp_ready() { return top_->mem_resp_ready_o; }
  bool row_valid() { return top_->row_valid_o; }
  host::RowTag row_tag() {
    return {static_cast<int>(top_->row_step_o), static_cast<int>(top_->row_layer_o), static_cast<int>(top_->row_head_o),
            top_->row_active_o != 0};
  }
  const std::int16_t* row_data(std::vector<std::int16_t>& buf) {
    for (int d = 0; d < trace_d_; ++d)
      buf[d] = static_cast<std::int16_t>(get_bits(top_->row_data_o, d * num::kOutBits, num::kOutBits));
    return buf.data();
  }
  bool ev_valid() { return top_->ev_valid_o; }
  host::PhaseEvent event() {
    return {top_->ev_kind_o, top_->ev_step_o, top_->ev_layer_o, top_->ev_group_o, top_->ev_tokens_o,
            top_->ev_start_o, top_->ev_end_o};
  }
  std::uint64_t counter(int c) {
    top_->ctr_sel_i = static_cast<std::uint8_t>(c);
    top_->eval();
    return static_cast<std::uint64_t>(top_->ctr_o);
  }
  std::uint64_t skippable_cycles() { return 0; }
  void skip_cycles(std::uint64_t) {}
  void after_cycle(std::uint64_t) {}
  std::string debug_state() { return {}; }

 private:
  const int bytes_per_cycle_, trace_d_;
  VerilatedContext* ctx_ = nullptr;
  Vsinkattn_top* top_ = nullptr;
  std::unique_ptr<VerilatedContext> own_ctx_;  // with waveforms only
  std::unique_ptr<Vsinkattn_top> own_top_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::uint64_t time_ = 0;
  host::HostLoop<VerilatedPort> loop_;  // last: built after the model it drives
};

}  // namespace

const HwConfig& built_hw() {
  // The generated traits of the fragment this runner's top was Verilated from
  // (cmake/SinkattnTop.cmake: a preset's sinkattn/params/NAME.hpp, or an on-demand build's hw.hpp).
  using Built = SINKATTN_RTL_TRAITS;
  static const HwConfig hw = [] {
    HwConfig h;
    int set = 0;
    for (const auto& [name, value] : Built::kAll) set += set_rtl_parameter(h, name, value);
    if (set != static_cast<int>(rtl_parameter_list(h).size()))
      throw std::logic_error("the RTL runner's traits lack some of the top's parameters");
    return h;
  }();
  return hw;
}

void check_hw(const Config& cfg) {
  const HwConfig& b = built_hw();
  const HwConfig& h = cfg.hw;
  auto need = [&](const char* field, long long got, long long built) {
    if (got != built)
      throw InputError(cfg.source.empty() ? cfg.name : cfg.source, std::string("hw.") + field,
                       std::to_string(got) + " differs from the RTL build's " + std::to_string(built) +
                           " (sinkattn rtl and rtl-fidelity sweeps build a runner for other hardware on demand;"
                           " sinkattn cosim needs a build with -DSINKATTN_DEFAULT_PRESET=<a preset with this hardware>)");
  };
  need("head_dim", h.head_dim, b.head_dim);
  need("qk_lanes", h.qk_lanes, b.qk_lanes);
  need("pv_lanes", h.pv_lanes, b.pv_lanes);
  need("max_tokens", h.max_tokens, b.max_tokens);
  need("max_layers", h.max_layers, b.max_layers);
  need("max_q_heads", h.max_q_heads, b.max_q_heads);
  need("max_kv_heads", h.max_kv_heads, b.max_kv_heads);
  need("sink_sram_tokens", h.sink_sram_tokens, b.sink_sram_tokens);
  need("topk_parallelism", h.topk_parallelism, b.topk_parallelism);
  need("topk_lfsr_seed", h.topk_lfsr_seed, b.topk_lfsr_seed);
  need("scan_width", h.scan_width, b.scan_width);
  need("out_lanes", h.out_lanes, b.out_lanes);
  need("dram.bytes_per_cycle", h.dram.bytes_per_cycle, b.dram.bytes_per_cycle);
  need("dram.burst_bytes", h.dram.burst_bytes, b.dram.burst_bytes);
}

bool built_for(const Config& cfg) { return rtl_parameter_list(cfg.hw) == rtl_parameter_list(built_hw()); }

std::string model_name() {
#ifndef SINKATTN_RTL_ORIGIN
#error "the build defines SINKATTN_RTL_ORIGIN (cmake/SinkattnTop.cmake)"
#endif
  const std::string h = rtl_hardware_header(built_hw());
  return "Vsinkattn_top hw " + sha256_hex(h.data(), h.size()).substr(0, 12) + " (" SINKATTN_RTL_ORIGIN ")";
}

host::RunResult run_rtl(const Config& cfg, const Plan& plan, const IntTrace& trace, const host::RunOptions& opt) {
  check_hw(cfg);
  return VerilatedPort(cfg, plan, trace, opt).run();
}

}  // namespace sinkattn::rtl
