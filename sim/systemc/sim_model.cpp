// The SystemC model of rtl/sinkattn_top.sv: the controller (the RTL's state machine, register
// for register), its memories as index arrays, and the blocks of blocks.hpp wired as in the RTL.
// SimHost is the testbench side: the command sequence of sim/rtl/rtl_run.cpp, the
// DRAM port (host::DramModel, the same class and seeds as the RTL harness) and the row port.
//
// Time: one SC_THREAD clocks the model. It steps whole cycles in plain C++ and hands the
// elapsed time to the SystemC kernel with wait() once per quantum (temporal decoupling, as a
// TLM-2 loosely-timed initiator does), so sc_time_stamp() is the cycle count at every sync
// point without a context switch per cycle.
#include "sim_model.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <iostream>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <sstream>
#include <string>

#include "blocks.hpp"
#include "dram_model.hpp"
#include "host_loop.hpp"
#include "top_stream.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn::sim {
namespace {

using host::PhaseEvent;

// The command encoding is the co-simulation driver's (top_stream.hpp), shared, not restated.
using host::kOpClear;
using host::kOpImportance;
using host::kOpLayer;
using host::kOpPolicy;
using host::kOpQuery;
using host::kOpReg;
using host::kOpRun;
using host::kNumCounters;

std::int32_t dot(const std::int16_t* q, const std::int16_t* k, int d, bool msb_only) {
  std::int32_t acc = 0;
  if (msb_only)
    for (int i = 0; i < d; ++i) acc += static_cast<std::int32_t>(q[i]) * num::key_msb_approx(k[i]);
  else
    for (int i = 0; i < d; ++i) acc += static_cast<std::int32_t>(q[i]) * k[i];
  return acc;
}

enum State {
  StIdle, StClear, StHpScan, StHpDec, StSelStart, StSelFeed, StSelOut, StGrpStart, StRowStart, StRowQk,
  StRowSm, StRowOut, StRowEmit, StGrpWait, StEvStart, StEvScan, StEvDec, StEvNext, StDone
};

// The accelerator top. Port values are plain members: the host sets the inputs, calls
// comb(), samples the outputs, then edge().
struct Accelerator : sc_core::sc_module {
  // ---- ports ----
  bool cmd_valid = false;
  int cmd_op = 0;
  std::uint32_t cmd_addr = 0;
  std::uint64_t cmd_data = 0;
  const std::int16_t* cmd_vec = nullptr;  // a trace row (the host's vector)
  bool row_ready = false;
  bool cmd_ready = false, row_valid = false;
  bool ev_valid = false;
  PhaseEvent ev{};

  // ---- blocks ----
  KvFetch fetch;
  QkLanes qk;
  SoftmaxUnit sm;
  PvLanes pv;
  TopkEngine tk;

  Accelerator(sc_core::sc_module_name n, const Config& cfg, const IntTrace& tr)
      : sc_core::sc_module(n), fetch("kv_fetch"), qk("qk_lanes", cfg.hw.head_dim, cfg.hw.qk_lanes),
        sm("softmax_unit", cfg.hw.max_tokens), pv("pv_lanes", cfg.hw.head_dim, tr.shape.head_dim), tk("topk_engine"),
        hw_(cfg.hw), tr_(tr), d_(tr.shape.head_dim) {
    const int max_plane = (hw_.head_dim * num::kDataBits + 7) / 8;
    int shift = 0;
    while ((1 << shift) < max_plane) ++shift;
    fetch.plane_shift = shift;
    fetch.burst_bytes = hw_.dram.burst_bytes;
    tk.P = hw_.topk_parallelism;
    tk.lfsr = Lfsr16(static_cast<std::uint16_t>(hw_.topk_lfsr_seed));
    const std::size_t T = static_cast<std::size_t>(hw_.max_tokens);
    list_.assign(2 * T, 0);  // two banks, {bank, position}
    cand_.assign(T, 0);
    budget_.assign(hw_.max_layers, 0);
    keep_.assign(hw_.max_layers, 0);
    policy_.assign(hw_.max_layers, 0);
    q_.assign(hw_.max_q_heads, nullptr);
    mant_.assign(hw_.max_q_heads, 0);
    shift_.assign(hw_.max_q_heads, 0);
    hpruned_.assign(hw_.max_q_heads, 0);
    himp_.assign(hw_.max_q_heads, 0);
    // Importance and alive bitmap, sized by the trace (the RTL's arrays are MaxLayers x
    // MaxKvHeads x MaxTokens; only entries below the trace's sizes are ever touched).
    imp_.assign(static_cast<std::size_t>(tr.shape.layers) * tr.shape.kv_heads * tr.shape.tokens, 0);
    evict_.assign(static_cast<std::size_t>(tr.shape.kv_heads) * tr.shape.tokens, 0);
    ctr_.fill(0);
    pv_in_.p.assign(hw_.pv_lanes, 0);
    pv_in_.v.assign(hw_.pv_lanes, nullptr);
    gprob_.assign(hw_.pv_lanes, 0);
    pv_p_.assign(hw_.pv_lanes, 0);
    pv_lv_.assign(hw_.pv_lanes, 0);
    qk_in_.lv.assign(hw_.qk_lanes, 0);
    qk_in_.s.assign(hw_.qk_lanes, 0);
    row_out_.assign(d_, 0);
  }

  std::uint64_t counter(int i) const { return ctr_[i]; }
  int row_step() const { return t_; }
  int row_layer() const { return l_; }
  int row_head() const { return gbase_ + r_; }
  bool row_active() const { return row_act_; }
  const std::vector<std::int16_t>& row_data() const { return row_out_; }
  // Cycles the controller can skip in bulk from the current state with nothing else moving,
  // or 0 (the clear sweep: one entry per cycle, no handshake).
  std::uint64_t clear_cycles_left() const {
    if (st_ != StClear) return 0;
    const std::uint64_t T = cfg_t_, lists = cfg_hkv_;
    return ((cfg_layers_ - 1 - cl_s_) * lists + (lists - 1 - cl_l_)) * T + (T - 1 - cl_t_) + 1;
  }
  // Advances the clear sweep by n < clear_cycles_left() cycles (nothing else moves in them).
  void skip_clear_partial(std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i) {
      imp_[imp_index(cl_s_, cl_l_, cl_t_)] = 0;
      if (cl_s_ == 0) evict_at(cl_l_, cl_t_) = 0;
      if (cl_t_ + 1 < cfg_t_) {
        ++cl_t_;
      } else {
        cl_t_ = 0;
        if (cl_l_ + 1 < cfg_hkv_) ++cl_l_;
        else cl_l_ = 0, ++cl_s_;
      }
    }
    cyc_ += n;
  }
  bool quiet() const { return st_ == StIdle || st_ == StClear; }
  // The controller's state in one line, for a watchdog report.
  std::string debug_state() const {
    std::ostringstream o;
    o << "state " << st_ << " job " << g_ << " row " << r_ << " front job " << fg_ << (fscan_ ? " scanning" : "");
    for (int b = 0; b < 2; ++b)
      o << "; bank " << b << (bbusy_[b] ? " busy" : " free") << (bdone_[b] ? " listed" : "") << " n " << bn_[b]
        << " k/v/lsb done " << bk_done_[b] << "/" << bv_done_[b] << "/" << blsb_done_[b] << " in flight " << fetch.infl[b];
    o << "; fetch main " << (fetch.m.act ? "on" : "off") << " bank " << fetch.m.bank << " pos " << fetch.m.pos
      << ", lsb " << (fetch.l.act ? "on" : "off") << " bank " << fetch.l.bank << " pos " << fetch.l.pos;
    return o.str();
  }

  // DRAM port inputs for this cycle.
  void set_mem(bool req_ready, bool resp_valid, bool resp_last) {
    fetch.req_ready = req_ready;
    fetch.resp_valid = resp_valid;
    fetch.resp_last = resp_last;
  }

  void comb();
  void edge();

 private:
  std::size_t imp_index(int scope, int list, int tok) const {
    return (static_cast<std::size_t>(scope) * tr_.shape.kv_heads + list) * tr_.shape.tokens + tok;
  }
  std::uint64_t& evict_at(int list, int tok) { return evict_[static_cast<std::size_t>(list) * tr_.shape.tokens + tok]; }
  // The head policy code (host::kPolicy*) of KV head `g` at `layer`, as OpPolicy wrote it.
  int policy_code(int layer, int g) const {
    return static_cast<int>((policy_[layer] >> (host::kPolicyBits * g)) & ((1u << host::kPolicyBits) - 1));
  }
  int& list_at(bool bank, int pos) { return list_[static_cast<std::size_t>(bank) * hw_.max_tokens + pos]; }
  const std::int16_t* k_row(int pos) { return tr_.k_row(l_, g_, list_at(bk_, pos)); }
  const std::int16_t* v_row(int pos) { return tr_.v_row(l_, g_, list_at(bk_, pos)); }

  const HwConfig hw_;
  const IntTrace& tr_;
  const int d_;
  static constexpr std::uint64_t kImpMask = (1ULL << num::kImportanceBits) - 1;

  // Configuration registers
  int cfg_layers_ = 0, cfg_hq_ = 0, cfg_hkv_ = 0, cfg_group_ = 0, cfg_d_ = 0, cfg_t_ = 0, cfg_prompt_ = 0,
      cfg_sinks_ = 0, cfg_window_ = 0, cfg_warm_ = 0;
  bool cfg_pq_ = false, cfg_cascade_ = false, cfg_ghead_ = false, cfg_hp_ = false;
  std::uint32_t cfg_tau_ = 0;
  std::vector<int> budget_, keep_;
  std::vector<std::uint64_t> policy_;
  // Memories
  std::vector<const std::int16_t*> q_;
  std::vector<std::uint32_t> mant_;
  std::vector<int> shift_;
  std::vector<int> list_, cand_;
  std::vector<std::uint64_t> imp_, evict_, hpruned_, himp_;
  // Controller
  State st_ = StIdle;
  std::uint64_t cyc_ = 0, phase_start_ = 0;
  int t_ = 0, l_ = 0, g_ = 0, gbase_ = 0, r_ = 0, j_ = 0, cnt_ = 0, kk_ = 0, fb_ = 0, ptr_ = 0;
  bool sel_hp_ = false, done_seen_ = false;
  bool prefill_ = false;  // the run is a prefill eviction pass
  // Per bank of the list and K/V store (the job it holds)
  std::array<bool, 2> bbusy_{}, bdone_{};
  std::array<int, 2> bn_{}, bk_done_{}, bv_done_{}, blsb_done_{};
  std::array<std::uint64_t, 2> bstart_{};
  // Front: the list scan of the job ahead
  int fg_ = 0, fgbase_ = 0, fj_ = 0;
  bool fscan_ = false;
  bool lsb_started_ = false, pass2_ = false, refetched_ = false, first_ = false, disc_ = false;
  int kb_ = 0, prow_ = 0, gcnt_ = 0;
  std::vector<std::uint32_t> gprob_, pv_p_;
  std::vector<std::uint8_t> pv_lv_;
  bool pv_valid_ = false, pv_last_ = false;
  int pv_pos_ = 0;
  int ob_ = 0;
  bool out_done_ = false, row_act_ = false;
  std::vector<std::int16_t> row_out_;
  int cl_s_ = 0, cl_l_ = 0, cl_t_ = 0;
  // Serializer
  bool ser_valid_ = false, ser_last_ = false;
  std::vector<std::int32_t> ser_s_;
  std::vector<std::uint8_t> ser_lv_;
  int ser_idx_ = 0;
  // Event register
  bool ev_valid_q_ = false;
  PhaseEvent ev_q_{};
  std::array<std::uint64_t, kNumCounters> ctr_{};

  // ---- combinational values of the cycle ----
  int sinks_end_ = 0, mid_end_ = 0, lists_ = 0, h_cur_ = 0, scope_ = 0, list_g_ = 0, pol_g_ = 0;
  std::uint64_t ge_mask_ = 0;
  bool any_topk_ = false, f_active_ = false, in_jobs_ = false, front_take_ = false;
  bool bk_ = false, fbank_ = false;  // banks of the back's job g and the front's job fg
  int n_b_ = 0, pol_f_ = 0, list_f_ = 0;
  bool keys_ready_ = false, qk_k_valid_ = false, qk_k_last_ = false, qk_fire_ = false;
  QkLanes::Beat qk_in_;
  bool ser_final_ = false, ser_take_ = false, qk_s_ready_ = false, qk_s_fire_ = false;
  bool disc_now_ = false, v_ready_ = false, completes_ = false, pv_fire_ = false, pv_free_ = false, p_fire_ = false;
  bool sm_p_last_ = false;
  std::uint32_t sm_p_ = 0, sm_pmax_ = 0;
  PvLanes::Beat pv_in_;
  bool pv_out_valid_ = false, pv_out_last_ = false;
  std::uint64_t out_abs_ = 0;
  int pv_out_beat_ = 0;
  bool drop_ = false, sel_finish_ = false, list_we_ = false, cmd_fire_ = false;
  int drop_tok_ = 0;
  bool fetch_start_ = false, fetch_lsb_start_ = false;
  std::array<std::int16_t, PvLanes::kOutLanes> pv_out_vals_{};
  const std::int16_t* qk_q_ = nullptr;  // qk_lanes' query register
};

void Accelerator::comb() {
  // ---- derived step values ----
  const int t_plus1 = t_ + 1;
  sinks_end_ = std::min(cfg_sinks_, t_plus1);
  mid_end_ = t_plus1 > cfg_window_ ? t_plus1 - cfg_window_ : 0;
  if (mid_end_ < cfg_sinks_) mid_end_ = cfg_sinks_;
  lists_ = cfg_ghead_ ? cfg_hkv_ : 1;
  h_cur_ = gbase_ + r_;
  scope_ = cfg_cascade_ ? 0 : l_;
  list_g_ = cfg_ghead_ ? g_ : 0;
  ge_mask_ = ~0ULL << l_;
  const std::uint64_t lbit = 1ULL << l_;
  pol_g_ = policy_code(l_, g_);
  any_topk_ = false;
  for (int i = 0; i < cfg_hkv_; ++i) any_topk_ |= policy_code(l_, i) == host::kPolicyTopk;
  bk_ = g_ & 1;
  n_b_ = bn_[bk_];
  fbank_ = fg_ & 1;
  pol_f_ = policy_code(l_, fg_);
  list_f_ = cfg_ghead_ ? fg_ : 0;
  f_active_ = false;
  for (int h = fgbase_; h < fgbase_ + cfg_group_ && h < hw_.max_q_heads; ++h) f_active_ |= !(hpruned_[h] & lbit);
  in_jobs_ = st_ == StGrpStart || st_ == StRowStart || st_ == StRowQk || st_ == StRowSm || st_ == StRowOut ||
             st_ == StRowEmit || st_ == StGrpWait;
  cmd_ready = st_ == StIdle;
  cmd_fire_ = cmd_valid && cmd_ready;

  // ---- K/V fetch request side ----
  fetch.layer = l_;
  fetch.kv_heads = cfg_hkv_;
  fetch.tokens = cfg_t_;
  fetch.head_dim = cfg_d_;
  fetch.pq = cfg_pq_;
  fetch.first_pos = sinks_end_;
  fetch.mid_end = mid_end_;
  fetch.list_n = bn_;
  fetch.list_done = bdone_;
  fetch.comb_sel();
  fetch.list_tok = list_at(fetch.sel_bank(), std::min(fetch.sel_pos(), hw_.max_tokens - 1));
  fetch.comb_req();
  fetch.comb_port();
  // The front takes job fg when its bank is free and, if it fetches, the main context is free.
  front_take_ = in_jobs_ && !fscan_ && fg_ < cfg_hkv_ && !bbusy_[fbank_] && (fetch.main_free || !f_active_);
  fetch_start_ = front_take_ && f_active_;

  // ---- Q.K lanes input ----
  keys_ready_ = true;
  const int QL = hw_.qk_lanes;
  for (int i = 0; i < QL; ++i) {
    const int pos = kb_ * QL + i;
    const bool lv = pos < n_b_;
    qk_in_.lv[i] = lv;
    if (lv && (pos >= bk_done_[bk_] || (pass2_ && pos >= blsb_done_[bk_]))) keys_ready_ = false;
  }
  qk_k_last_ = (kb_ + 1) * QL >= n_b_;
  qk_k_valid_ = st_ == StRowQk && keys_ready_;
  // ---- serializer and softmax input ----
  sm.comb_in();
  ser_final_ = true;
  if (ser_valid_ && ser_idx_ + 1 < QL && ser_lv_[ser_idx_ + 1]) ser_final_ = false;
  ser_take_ = ser_valid_ && sm.s_ready;
  qk_s_ready_ = !ser_valid_ || (ser_final_ && ser_take_);
  qk.k_valid = qk_k_valid_;
  qk.s_ready = qk_s_ready_;
  qk.comb();
  qk_fire_ = qk_k_valid_ && qk.k_ready;
  qk_s_fire_ = qk.s_valid && qk_s_ready_;
  sm.s_valid = ser_valid_;
  sm.s_last = ser_last_ && ser_final_;
  sm.s_in = ser_valid_ ? ser_s_[ser_idx_] : 0;
  sm.mant_in = mant_[h_cur_ % hw_.max_q_heads];
  sm.shift_in = shift_[h_cur_ % hw_.max_q_heads];

  // ---- probabilities into P.V ----
  pv.pv_valid = pv_valid_;
  pv.comb();
  const bool p_valid = sm.p_valid;
  sm_p_ = p_valid ? sm.head().p : 0;
  sm_pmax_ = p_valid ? sm.head().pmax : 0;
  sm_p_last_ = p_valid && sm.head().last;
  disc_now_ = first_ ? (cfg_pq_ && !pass2_ && sm_pmax_ < cfg_tau_) : disc_;
  v_ready_ = prow_ < sinks_end_ || prow_ < bv_done_[bk_];
  completes_ = gcnt_ == hw_.pv_lanes - 1 || sm_p_last_;
  pv_fire_ = pv_valid_ && pv.pv_ready;
  pv_free_ = !pv_valid_ || pv_fire_;
  bool p_ready = false;
  if (st_ == StRowSm && p_valid) p_ready = disc_now_ ? true : (v_ready_ && (!completes_ || pv_free_));
  sm.p_ready = p_ready;
  p_fire_ = p_valid && p_ready;
  sm.comb();
  pv_out_valid_ = pv.out_valid;
  pv_out_last_ = pv.out_last;
  pv_out_beat_ = pv.out_beat();
  out_abs_ = 0;
  if (pv_out_valid_)
    for (int e = pv_out_beat_ * PvLanes::kOutLanes; e < (pv_out_beat_ + 1) * PvLanes::kOutLanes && e < d_; ++e)
      out_abs_ += static_cast<std::uint64_t>(std::abs(static_cast<int>(pv_out_vals_[e % PvLanes::kOutLanes] = pv.ob[e])));

  // ---- top-k engine ----
  tk.start_valid = st_ == StSelStart;
  tk.in_valid = st_ == StSelFeed;
  tk.comb();
  tk.out_ready = st_ == StSelOut && tk.out_valid && ptr_ == tk.out_index;
  drop_ = st_ == StSelOut &&
          ((tk.out_valid && ptr_ < tk.out_index) || (!tk.out_valid && (done_seen_ || tk.done) && ptr_ < cnt_));
  drop_tok_ = cand_[std::min(ptr_, hw_.max_tokens - 1)];
  sel_finish_ = st_ == StSelOut && !tk.out_valid && (done_seen_ || tk.done) && ptr_ >= cnt_;

  // ---- list scan ----
  list_we_ = false;
  if (fscan_) {
    const bool scan_alive = !(evict_at(list_f_, fj_) & lbit);
    if (fj_ < sinks_end_ || fj_ >= mid_end_) list_we_ = true;
    else if (pol_f_ == host::kPolicyRetrieval) list_we_ = true;
    else if (pol_f_ == host::kPolicyTopk && scan_alive) list_we_ = true;
  }
  fetch_lsb_start_ = st_ == StRowSm && p_fire_ && disc_now_ && sm_p_last_ && !lsb_started_;
  fetch.start = fetch_start_;
  fetch.start_bank = fbank_;
  fetch.start_group = fg_;
  fetch.lsb_start = fetch_lsb_start_;
  fetch.lsb_bank = bk_;
  fetch.lsb_group = g_;

  row_valid = st_ == StRowEmit;
  ev_valid = ev_valid_q_;
  ev = ev_q_;
}

void Accelerator::edge() {
  const std::uint64_t lbit = 1ULL << l_;
  const int QL = hw_.qk_lanes, PL = hw_.pv_lanes;
  const bool out_done_q = out_done_;  // registers the state machine reads, before this edge
  // ================= blocks =================
  if (qk_fire_) {  // the beat's scores, with the query register as it is before this edge
    qk_in_.last = qk_k_last_;
    const bool msb_only = cfg_pq_ && !pass2_;
    for (int i = 0; i < QL; ++i)
      qk_in_.s[i] = qk_in_.lv[i] ? dot(qk_q_, k_row(kb_ * QL + i), d_, msb_only) : 0;
  }
  // Serializer takes the qk output before the qk pipeline moves.
  const QkLanes::Beat qk_out = qk.out();
  qk.edge(qk_in_);
  if (st_ == StRowStart && !(hpruned_[h_cur_] & lbit)) qk_q_ = q_[h_cur_];  // q_we

  // P.V input beat (pv_valid_q registers)
  for (int i = 0; i < PL; ++i) {
    const int pos = pv_pos_ + i;
    pv_in_.p[i] = pv_lv_[i] ? pv_p_[i] : 0;
    pv_in_.v[i] = pv_lv_[i] ? v_row(pos) : nullptr;
  }
  pv_in_.last = pv_last_;
  pv.edge(pv_in_);
  sm.edge();
  fetch.edge();
  tk.edge(cnt_, kk_, [this](std::vector<std::uint64_t>& s) {
    s.resize(cnt_);
    for (int i = 0; i < cnt_; ++i) {
      const int tok = cand_[i];
      s[i] = sel_hp_ ? himp_[tok] : imp_[imp_index(scope_, cfg_ghead_ ? g_ : 0, tok)];
    }
  });

  // ================= memories =================
  if (cmd_fire_ && cmd_op == kOpQuery) {
    q_[cmd_addr % hw_.max_q_heads] = cmd_vec;
    mant_[cmd_addr % hw_.max_q_heads] =
        static_cast<std::uint32_t>((cmd_data >> host::kQueryMant.lsb) & ((1u << num::kScaleMantBits) - 1));
    shift_[cmd_addr % hw_.max_q_heads] = static_cast<int>(host::kQueryShift.get(cmd_data));
  }
  if (list_we_) list_at(fbank_, bn_[fbank_]) = fj_;
  if (st_ == StHpScan && !(hpruned_[j_] & lbit)) cand_[cnt_] = j_;
  if (st_ == StEvScan && !(evict_at(g_, j_) & lbit)) cand_[cnt_] = j_;
  if (st_ == StClear) {
    imp_[imp_index(cl_s_, cl_l_, cl_t_)] = 0;
  } else if (cmd_fire_ && cmd_op == kOpImportance) {  // the host's prefill: an initial score
    imp_[imp_index(static_cast<int>(host::kImportanceAddrScope.get(cmd_addr)),
                   static_cast<int>(host::kImportanceAddrList.get(cmd_addr)),
                   static_cast<int>(host::kImportanceAddrToken.get(cmd_addr)))] = cmd_data & kImpMask;
    ++ctr_[host::kCtrImportanceLoads];
  } else if (p_fire_ && !disc_now_ && prow_ >= sinks_end_) {
    std::uint64_t& e = imp_[imp_index(scope_, list_g_, list_at(bk_, prow_))];
    e = (e + sm_p_) & kImpMask;
    ++ctr_[host::kCtrImportanceUpdates];
  }
  if (st_ == StClear && cl_s_ == 0) evict_at(cl_l_, cl_t_) = 0;
  else if (drop_ && !sel_hp_) evict_at(g_, drop_tok_) |= cfg_cascade_ ? ge_mask_ : lbit;

  // ================= controller =================
  ++cyc_;
  ev_valid_q_ = false;
  auto event = [&](int kind, int group, int tokens, std::uint64_t start) {
    ev_valid_q_ = true;
    ev_q_ = {kind, t_, l_, group, tokens, start, cyc_ - 1};
  };
  if (fetch.wr_valid) {
    const int b = fetch.wr_bank;
    if (fetch.wr_plane == 2) blsb_done_[b] = fetch.wr_pos + 1;
    else if (fetch.wr_plane == 3) bv_done_[b] = fetch.wr_pos + 1;
    else bk_done_[b] = fetch.wr_pos + 1;
  }
  // serializer
  if (qk_s_fire_) {
    ser_valid_ = true;
    ser_s_ = qk_out.s;
    ser_lv_ = qk_out.lv;
    ser_last_ = qk_out.last;
    ser_idx_ = 0;
  } else if (ser_take_) {
    if (ser_final_) ser_valid_ = false;
    else ++ser_idx_;
  }
  // P.V input register and outputs
  if (pv_fire_) pv_valid_ = false;
  if (p_fire_ && !disc_now_) {
    const int gc = gcnt_;
    ++prow_;
    if (completes_) {
      pv_valid_ = true;
      for (int i = 0; i < PL; ++i) {
        pv_p_[i] = i == gc ? sm_p_ : i < gc ? gprob_[i] : 0;
        pv_lv_[i] = i <= gc;
      }
      pv_last_ = sm_p_last_;
      pv_pos_ = prow_ - 1 - gc;
      gcnt_ = 0;
    } else {
      gprob_[gc] = sm_p_;
      gcnt_ = gc + 1;
    }
  }
  if (pv_out_valid_) {
    for (int e = pv_out_beat_ * PvLanes::kOutLanes; e < (pv_out_beat_ + 1) * PvLanes::kOutLanes && e < d_; ++e)
      row_out_[e] = pv_out_vals_[e % PvLanes::kOutLanes];
    himp_[h_cur_] = (himp_[h_cur_] + out_abs_) & kImpMask;
    if (pv_out_last_) {
      ob_ = 0;
      out_done_ = true;
    } else {
      ++ob_;
    }
  }
  // counters
  ctr_[host::kCtrDramWindow] += fetch.by_window;
  ctr_[host::kCtrDramMiddle] += fetch.by_middle;
  ctr_[host::kCtrDramLsb] += fetch.by_lsb;
  if (st_ != StIdle && st_ != StClear) ++ctr_[host::kCtrCycles];
  if (st_ != StIdle && st_ != StClear && prefill_) ++ctr_[host::kCtrPrefillCycles];
  if (qk_fire_) ++ctr_[host::kCtrQkBusy];
  if (ser_take_ || p_fire_) ++ctr_[host::kCtrSoftmaxBusy];
  if (pv_fire_ || pv_out_valid_) ++ctr_[host::kCtrPvBusy];
  if (!tk.start_ready) ++ctr_[host::kCtrTopkBusy];
  if (!fetch.idle) ++ctr_[host::kCtrFetchBusy];
  if ((st_ == StRowQk && !keys_ready_) || (st_ == StRowSm && sm.p_valid && !disc_now_ && !v_ready_))
    ++ctr_[host::kCtrDataStall];
  if (fetch.req_valid && !fetch.req_ready) ++ctr_[host::kCtrDramReqStall];
  if (fscan_) ++ctr_[host::kCtrListScan];
  if (st_ == StHpScan || st_ == StEvScan || st_ == StSelStart || st_ == StSelFeed || st_ == StSelOut)
    ++ctr_[host::kCtrSelectCycles];

  switch (st_) {
    case StIdle:
      if (cmd_fire_) {
        switch (cmd_op) {
          case kOpReg: {
            const int v = static_cast<int>(cmd_data & 0xffff);
            switch (cmd_addr & ((1u << host::kRegAddrBits) - 1)) {
              case host::kRegLayers: cfg_layers_ = v & 0xff; break;
              case host::kRegQHeads: cfg_hq_ = v & 0xff; break;
              case host::kRegKvHeads: cfg_hkv_ = v & 0xff; break;
              case host::kRegGroup: cfg_group_ = v & 0xff; break;
              case host::kRegHeadDim: cfg_d_ = v; break;
              case host::kRegTokens: cfg_t_ = v; break;
              case host::kRegPrompt: cfg_prompt_ = v; break;
              case host::kRegSinks: cfg_sinks_ = v; break;
              case host::kRegWindow: cfg_window_ = v; break;
              case host::kRegFlags:
                cfg_hp_ = host::kFlagHeadPruning.get(cmd_data);
                cfg_ghead_ = host::kFlagGranularityHead.get(cmd_data);
                cfg_cascade_ = host::kFlagCascade.get(cmd_data);
                cfg_pq_ = host::kFlagProgressiveQuant.get(cmd_data);
                break;
              case host::kRegWarmup: cfg_warm_ = v; break;
              case host::kRegTau:
                cfg_tau_ = static_cast<std::uint32_t>(cmd_data & ((1u << (num::kProbFracBits + 1)) - 1));
                break;
              default: break;
            }
            break;
          }
          case kOpLayer:
            budget_[cmd_addr % hw_.max_layers] = static_cast<int>(host::kLayerBudget.get(cmd_data));
            keep_[cmd_addr % hw_.max_layers] = static_cast<int>(host::kLayerHeadsKeep.get(cmd_data));
            break;
          case kOpPolicy: policy_[cmd_addr % hw_.max_layers] = cmd_data; break;
          case kOpClear:
            std::fill(hpruned_.begin(), hpruned_.end(), 0);
            std::fill(himp_.begin(), himp_.end(), 0);
            cl_s_ = cl_l_ = cl_t_ = 0;
            st_ = StClear;
            break;
          case kOpRun: {
            t_ = static_cast<int>(host::kRunStep.get(cmd_data));
            l_ = static_cast<int>(host::kRunLayer.get(cmd_data));
            phase_start_ = cyc_ - 1;
            j_ = cnt_ = g_ = gbase_ = fg_ = fgbase_ = 0;
            prefill_ = host::kRunPrefill.get(cmd_data) != 0;
            // A prefill pass is the eviction phase alone; a decode run starts with head pruning.
            st_ = prefill_ ? StEvStart : cfg_hp_ && t_ - cfg_prompt_ >= cfg_warm_ ? StHpScan : StGrpStart;
            break;
          }
          default: break;
        }
      }
      break;
    case StClear:
      if (cl_t_ + 1 < cfg_t_) {
        ++cl_t_;
      } else {
        cl_t_ = 0;
        if (cl_l_ + 1 < cfg_hkv_) {
          ++cl_l_;
        } else {
          cl_l_ = 0;
          if (cl_s_ + 1 < cfg_layers_) ++cl_s_;
          else st_ = StIdle;
        }
      }
      break;
    case StHpScan:
      if (!(hpruned_[j_] & lbit)) ++cnt_;
      if (j_ + 1 >= cfg_hq_) st_ = StHpDec;
      else ++j_;
      break;
    case StHpDec:
      if (cnt_ > keep_[l_]) {
        kk_ = keep_[l_];
        sel_hp_ = true;
        st_ = StSelStart;
      } else {
        event(host::kEvHeadPruning, 0, cnt_, phase_start_);
        st_ = StGrpStart;
      }
      break;
    case StSelStart:
      if (tk.start_ready) {
        fb_ = 0;
        st_ = StSelFeed;
      }
      break;
    case StSelFeed:
      if (tk.in_ready) {
        ++fb_;
        if (fb_ * hw_.topk_parallelism >= cnt_) {
          ptr_ = 0;
          done_seen_ = false;
          st_ = StSelOut;
        }
      }
      break;
    case StSelOut:
      if (tk.done) done_seen_ = true;
      if (tk.out_valid && tk.out_ready) ++ptr_;
      if (drop_) {
        ++ptr_;
        if (sel_hp_) hpruned_[drop_tok_] |= ge_mask_;
        else ++ctr_[host::kCtrEvictions];
      }
      if (sel_finish_) {
        event(sel_hp_ ? host::kEvHeadPruning : host::kEvEviction, sel_hp_ ? 0 : g_, cnt_, phase_start_);
        st_ = sel_hp_ ? StGrpStart : StEvNext;
      }
      break;
    case StGrpStart:  // the rows of job g start when the front has completed its list
      r_ = 0;
      lsb_started_ = false;
      if (bbusy_[bk_] && bdone_[bk_]) st_ = StRowStart;
      break;
    case StRowStart:
      pass2_ = refetched_ = false;
      kb_ = 0;
      first_ = true;
      disc_ = false;
      prow_ = gcnt_ = 0;
      out_done_ = false;
      std::fill(row_out_.begin(), row_out_.end(), 0);
      if (hpruned_[h_cur_] & lbit) {
        row_act_ = false;
        st_ = StRowEmit;
      } else {
        row_act_ = true;
        st_ = StRowQk;
      }
      break;
    case StRowQk:
      if (qk_fire_) {
        ++kb_;
        if (qk_k_last_) st_ = StRowSm;
      }
      break;
    case StRowSm:
      if (p_fire_) {
        first_ = false;
        disc_ = disc_now_;
        if (disc_now_ && sm_p_last_) {
          lsb_started_ = true;
          ++ctr_[host::kCtrLsbRefetches];
          refetched_ = pass2_ = true;
          kb_ = 0;
          first_ = true;
          disc_ = false;
          st_ = StRowQk;
        } else if (!disc_now_ && sm_p_last_) {
          st_ = StRowOut;
        }
      }
      break;
    case StRowOut:
      if (out_done_q) st_ = StRowEmit;
      break;
    case StRowEmit:
      if (row_ready) {
        if (row_act_) {
          ++ctr_[host::kCtrRows];
          ctr_[host::kCtrMacs] += static_cast<std::uint64_t>(n_b_) * cfg_d_ * (refetched_ ? 3 : 2);
          ctr_[host::kCtrRowTokens] += static_cast<std::uint64_t>(n_b_);
        } else {
          ++ctr_[host::kCtrPrunedRows];
        }
        if (r_ + 1 >= cfg_group_) {
          st_ = StGrpWait;
        } else {
          ++r_;
          st_ = StRowStart;
        }
      }
      break;
    case StGrpWait:
      if (fetch.bank_idle[bk_]) {  // nothing of the job left in flight: release its bank
        bbusy_[bk_] = false;
        event(host::kEvJob, g_, n_b_, bstart_[bk_]);
        if (g_ + 1 >= cfg_hkv_) {
          g_ = 0;
          st_ = StEvStart;
        } else {
          ++g_;
          gbase_ += cfg_group_;
          st_ = StGrpStart;
        }
      }
      break;
    case StEvStart:
      phase_start_ = cyc_ - 1;
      cnt_ = 0;
      j_ = cfg_sinks_;
      st_ = ((cfg_ghead_ ? pol_g_ == host::kPolicyTopk : any_topk_) && cfg_sinks_ < mid_end_) ? StEvScan : StEvNext;
      break;
    case StEvScan:
      if (!(evict_at(g_, j_) & lbit)) ++cnt_;
      if (j_ + 1 >= mid_end_) st_ = StEvDec;
      else ++j_;
      break;
    case StEvDec:
      if (cnt_ > budget_[l_]) {
        kk_ = budget_[l_];
        sel_hp_ = false;
        st_ = StSelStart;
      } else {
        st_ = StEvNext;
      }
      break;
    case StEvNext:
      if (g_ + 1 >= lists_) st_ = StDone;
      else {
        ++g_;
        st_ = StEvStart;
      }
      break;
    case StDone:
      g_ = 0;
      st_ = StIdle;
      break;
  }
  // ---- front: takes a job into its bank, scans its list (rtl: after the state machine) ----
  if (front_take_) {
    const int b = fbank_;
    bbusy_[b] = true;
    bstart_[b] = cyc_ - 1;
    bn_[b] = 0;
    bk_done_[b] = bv_done_[b] = blsb_done_[b] = sinks_end_;
    fj_ = 0;
    if (f_active_) {
      bdone_[b] = false;
      fscan_ = true;
    } else {  // every head of the group is pruned: an empty job
      bdone_[b] = true;
      ++fg_;
      fgbase_ += cfg_group_;
    }
  } else if (fscan_) {
    const int b = fbank_;
    if (list_we_) {
      ++bn_[b];
      ++ctr_[host::kCtrTokenReads];
      if (fj_ < sinks_end_) ++ctr_[host::kCtrSramSinkHits];
    }
    if (fj_ == t_) {
      bdone_[b] = true;
      fscan_ = false;
      ++fg_;
      fgbase_ += cfg_group_;
    } else {
      ++fj_;
    }
  }
  // the top-k statistics (pass_o) are summed by the engine; the RTL adds them pass by pass
  ctr_[host::kCtrTopkPasses] = static_cast<std::uint64_t>(tk.passes);
  ctr_[host::kCtrTopkElements] = tk.elements;
}

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

  Accelerator acc_;
  std::uint64_t synced_ = 0;
  host::HostLoop<SimHost> loop_;  // last: built after the model it drives
};

}  // namespace

void check_sim_hw(const Config& cfg) {
  const HwConfig& h = cfg.hw;
  const std::string file = cfg.source.empty() ? cfg.name : cfg.source;
  if (h.head_dim % PvLanes::kOutLanes != 0)
    throw InputError(file, "hw.head_dim", "must be a multiple of the P.V output width 4");
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
