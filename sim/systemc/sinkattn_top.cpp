// The top's own processes of the SystemC model (rtl/sinkattn_top.sv): the combinational wiring
// of the blocks, then at the edge the datapath blocks, the counters, the memory writes, the
// controller, the configuration registers, the head state, and the blocks that take the
// controller's pulses (serializer, P.V gather, front). Each process writes only its own
// registers; the calls are ordered so that every value a process reads is the one from before
// the edge, as the RTL's nonblocking assignments have it (the controller reads the alive bitmap
// only in StEvScan, a state in which the memory writes leave it alone).
#include "sinkattn_top.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "sinkattn/latency.hpp"

namespace sinkattn::sim {
namespace {

std::int32_t dot(const std::int16_t* q, const std::int16_t* k, int d, bool msb_only) {
  std::int32_t acc = 0;
  if (msb_only)
    for (int i = 0; i < d; ++i) acc += static_cast<std::int32_t>(q[i]) * num::key_msb_approx(k[i]);
  else
    for (int i = 0; i < d; ++i) acc += static_cast<std::int32_t>(q[i]) * k[i];
  return acc;
}

}  // namespace

SinkattnTop::SinkattnTop(sc_core::sc_module_name n, const Config& cfg, const IntTrace& tr)
    : sc_core::sc_module(n), hw_(cfg.hw), tr_(tr), d_(tr.shape.head_dim), fetch("kv_fetch"),
      front("front", hpruned_, cfg.hw.max_q_heads, cfg.hw.scan_width), qk("qk_lanes", cfg.hw.head_dim, cfg.hw.qk_lanes),
      ser("serializer", cfg.hw.qk_lanes), sm("softmax_unit", cfg.hw.max_tokens, cfg.hw.pv_lanes),
      gather("pv_gather", cfg.hw.pv_lanes, cfg.hw.out_lanes, tr.shape.head_dim),
      pv("pv_lanes", cfg.hw.head_dim, tr.shape.head_dim, cfg.hw.pv_lanes, cfg.hw.out_lanes),
      tk("topk_engine") {
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
  sm_p_.assign(hw_.pv_lanes, 0);
  qk_in_.lv.assign(hw_.qk_lanes, 0);
  qk_in_.s.assign(hw_.qk_lanes, 0);
}

std::uint64_t SinkattnTop::clear_cycles_left() const {
  if (st_ != StClear) return 0;
  const std::uint64_t T = cfg_t_, lists = cfg_hkv_;
  return ((cfg_layers_ - 1 - cl_s_) * lists + (lists - 1 - cl_l_)) * T + (T - 1 - cl_t_) + 1;
}

void SinkattnTop::skip_clear_partial(std::uint64_t n) {
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

std::string SinkattnTop::debug_state() const {
  std::ostringstream o;
  o << "state " << st_ << " job " << g_ << " row " << r_ << " issue " << is_ << " row " << ir_
    << (ipass2_ ? " (recompute)" : "") << " tags " << row_tag_.size() << " front job " << front.job
    << (front.scan ? " scanning" : "");
  for (int b = 0; b < 2; ++b)
    o << "; bank " << b << (front.busy[b] ? " busy" : " free") << (front.listed[b] ? " listed" : "") << " n "
      << front.n[b] << " k/v/lsb done " << front.k_done[b] << "/" << front.v_done[b] << "/" << front.lsb_done[b]
      << " in flight " << fetch.infl[b];
  o << "; fetch main " << (fetch.m.act ? "on" : "off") << " bank " << fetch.m.bank << " pos " << fetch.m.pos
    << ", lsb " << (fetch.l.act ? "on" : "off") << " bank " << fetch.l.bank << " pos " << fetch.l.pos;
  return o.str();
}

// ================================ combinational ================================

void SinkattnTop::comb_derived() {
  const int t_plus1 = t_ + 1;
  sinks_end_ = std::min(cfg_sinks_, t_plus1);
  mid_end_ = t_plus1 > cfg_window_ ? t_plus1 - cfg_window_ : 0;
  if (mid_end_ < cfg_sinks_) mid_end_ = cfg_sinks_;
  lists_ = cfg_ghead_ ? cfg_hkv_ : 1;
  h_cur_ = gbase_ + r_;
  scope_ = cfg_cascade_ ? 0 : l_;
  list_g_ = cfg_ghead_ ? g_ : 0;
  ge_mask_ = ~0ULL << l_;
  lbit_ = 1ULL << l_;
  pol_g_ = policy_code(l_, g_);
  any_topk_ = false;
  for (int i = 0; i < cfg_hkv_; ++i) any_topk_ |= policy_code(l_, i) == host::kPolicyTopk;
  bk_ = g_ & 1;
  n_b_ = front.n[bk_];
  in_jobs_ = st_ == StGrpStart || st_ == StRowStart || st_ == StRowSm || st_ == StGrpWait || evj_;
  grp_start_ = st_ == StGrpStart;
  rows_on_ = st_ == StRowStart || st_ == StRowSm;
  iss_more_ = rows_on_ && ir_ < cfg_group_;
  ih_ = gbase_ + ir_;
  iss_pruned_ = (hpruned_[ih_ % hw_.max_q_heads] & lbit_) != 0;
  // The row the issue starts closes its group: the sub-group's PvLanes-th, or no unpruned head of
  // the job after it (read only in IsStart, so the walk over the heads runs only then).
  iglast_ = igcnt_ + 1 == hw_.pv_lanes;
  if (is_ == IsStart && !iglast_) {
    bool later = false;
    for (int h = ih_ + 1; h < gbase_ + cfg_group_ && h < hw_.max_q_heads; ++h) later |= !(hpruned_[h] & lbit_);
    iglast_ = !later;
  }
  cmd_ready = st_ == StIdle;
  cmd_fire_ = cmd_valid && cmd_ready;
  // The controller's pulses.
  run_start_ = cmd_fire_ && cmd_op == host::kOpRun;
  head_clear_ = cmd_fire_ && cmd_op == host::kOpClear;
  row_start_ = st_ == StRowStart;
}

void SinkattnTop::comb() {
  comb_derived();

  // ---- K/V fetch request side ----
  fetch.layer = l_;
  fetch.kv_heads = cfg_hkv_;
  fetch.tokens = cfg_t_;
  fetch.head_dim = cfg_d_;
  fetch.pq = cfg_pq_;
  fetch.first_pos = sinks_end_;
  fetch.mid_end = mid_end_;
  fetch.list_n = front.n;
  fetch.list_done = front.listed;
  fetch.comb_sel();
  fetch.list_tok = list_at(fetch.sel_bank(), std::min(fetch.sel_pos(), hw_.max_tokens - 1));
  fetch.comb_req();
  fetch.comb_port();
  // The back is done with job g at its end or, with an eviction after the job, at that eviction's
  // end (rtl/sinkattn_top.sv, "Eviction after its job").
  grp_done_ = st_ == StGrpWait && fetch.bank_idle[bk_] && !gather.pv_valid;  // its last P.V beat took its values
  job_release_ = (grp_done_ && !cfg_ghead_) || (st_ == StEvNext && evj_);

  // ---- front ----
  front.in_jobs = in_jobs_;
  front.kv_heads = cfg_hkv_;
  front.group = cfg_group_;
  front.ghead = cfg_ghead_;
  front.sinks_end = sinks_end_;
  front.mid_end = mid_end_;
  front.step = t_;
  front.layer_bit = lbit_;
  front.pol = policy_code(l_, front.job);
  front.word_evicted = 0;
  if (front.scan) {  // the alive bitmap word the scan looks at (tokens past the trace never read)
    const int base = front.scan_word_base();
    for (int i = 0; i < hw_.scan_width && base + i < tr_.shape.tokens; ++i)
      if (evict_at(front.scan_list(), base + i) & lbit_) front.word_evicted |= std::uint64_t{1} << i;
  }
  front.word_ok = scan_word_ok_;
  front.fetch_main_free = fetch.main_free;
  front.comb();

  // ---- Q.K lanes input ----
  keys_ready_ = true;
  const int QL = hw_.qk_lanes;
  for (int i = 0; i < QL; ++i) {
    const int pos = kb_ * QL + i;
    const bool lv = pos < n_b_;
    qk_in_.lv[i] = lv;
    if (lv && (pos >= front.k_done[bk_] || (ipass2_ && pos >= front.lsb_done[bk_]))) keys_ready_ = false;
  }
  qk_k_last_ = (kb_ + 1) * QL >= n_b_;
  qk_k_valid_ = is_ == IsQk && keys_ready_;
  // ---- serializer and softmax input ----
  sm.comb_in();
  ser.comb(sm.s_ready);
  qk.k_valid = qk_k_valid_;
  qk.s_ready = ser.in_ready;
  qk.comb();
  qk_fire_ = qk_k_valid_ && qk.k_ready;
  ser.in_valid = qk.s_valid;
  sm.s_valid = ser.valid;
  sm.s_last = ser.out_last;
  sm.s_in = ser.out_s;
  // The score scale of the row entering the softmax (the head of the row tags).
  const int sm_h = row_tag_.empty() ? 0 : row_tag_.front().head;
  sm.mant_in = mant_[sm_h % hw_.max_q_heads];
  sm.shift_in = shift_[sm_h % hw_.max_q_heads];
  sm.s_glast = row_tag_.empty() || row_tag_.front().glast;

  // ---- entries into the P.V gather and lanes ----
  pv.pv_valid = gather.pv_valid;
  // The gather's row register takes output beats while not done and the emit slot holds a
  // computed row for them.
  pv.out_ready = !gather.out_done && em_valid_ && em_act_;
  pv.comb();
  const bool p_valid = sm.p_valid;
  const int PL = hw_.pv_lanes;
  sm_rows_ = p_valid ? sm.head().rows : 1;
  redo_mask_ = 0;
  for (int r = 0; r < PL; ++r) {
    sm_p_[r] = p_valid ? sm.head_p(r) : 0;
    if (p_valid && cfg_pq_ && r < sm_rows_ && !(gpass2_ >> r & 1) && sm.head_pmax(r) < cfg_tau_) redo_mask_ |= 1u << r;
  }
  sm_p_last_ = p_valid && sm.head().last;
  // A group's first entry decides whether rows are recomputed; if so its entries are discarded
  // up to its last.
  disc_now_ = first_ ? redo_mask_ != 0 : disc_;
  v_ready_ = gather.prow < sinks_end_ || gather.prow < front.v_done[bk_];
  gather.comb_in(pv.pv_ready);
  bool p_ready = false;
  // A group's last entry retires its rows to the walker, so it waits until the walker has put the
  // previous group's rows into the emit slot.
  if (st_ == StRowSm && p_valid) p_ready = disc_now_ || (v_ready_ && gather.free && (!sm_p_last_ || wk_left_ == 0));
  sm.p_ready = p_ready;
  p_fire_ = p_valid && p_ready;
  decide_ = st_ == StRowSm && p_fire_ && first_ && cfg_pq_;
  redo_ = decide_ && disc_now_;
  // The walker puts head r into the emit slot: a pruned head at once, a computed one once its
  // group has retired.
  wk_pruned_ = (hpruned_[h_cur_ % hw_.max_q_heads] & lbit_) != 0;
  row_next_ = st_ == StRowSm && !em_valid_ && (wk_pruned_ || wk_left_ != 0);
  sm.comb();
  pv_out_valid_ = pv.out_valid;
  pv_out_fire_ = pv.out_valid && pv.out_ready;
  pv_out_last_ = pv.out_last;
  gather.comb_out(pv_out_fire_, pv.out_beat(), pv.ob);

  // ---- top-k engine ----
  tk.start_valid = st_ == StSelStart;
  tk.in_valid = st_ == StSelFeed;
  tk.comb();
  tk.out_ready = st_ == StSelOut && tk.out_valid && ptr_ == tk.out_index;
  drop_ = st_ == StSelOut &&
          ((tk.out_valid && ptr_ < tk.out_index) || (!tk.out_valid && (done_seen_ || tk.done) && ptr_ < cnt_));
  drop_tok_ = cand_[std::min(ptr_, hw_.max_tokens - 1)];
  sel_finish_ = st_ == StSelOut && !tk.out_valid && (done_seen_ || tk.done) && ptr_ >= cnt_;
  // The alive bitmap's read port: a drop's read, the eviction's token walk, else the front's scan.
  ev_port_back_ = (st_ == StSelOut && drop_ && !sel_hp_) ||
                  (st_ == StEvStart && !evl_ok()) || (st_ == StEvScan && !evl_);

  // ---- K/V fetch job control ----
  fetch_lsb_start_ = redo_ && !lsb_started_;
  fetch.start = front.fetch_start;
  fetch.start_bank = front.bank;
  fetch.start_group = front.job;
  fetch.lsb_start = fetch_lsb_start_;
  fetch.lsb_bank = bk_;
  fetch.lsb_group = g_;

  row_valid = em_valid_ && (!em_act_ || gather.out_done);
  ev_valid = ev_valid_q_;
  ev = ev_q_;
}

// ================================ clock edge ================================

void SinkattnTop::edge() {
  const std::uint64_t cyc_q = cyc_;  // registers the later blocks read, before this edge
  const QkLanes::Beat qk_out = qk.out();  // the serializer takes the qk output before the qk pipeline moves
  row_taken_ = row_valid && row_ready;
  em_valid_pre_ = em_valid_;  // the slot as the controller sees it (edge_emit runs first)
  edge_datapath();
  edge_counters();
  edge_memories();
  edge_emit();
  edge_controller();
  edge_issue();
  edge_config();
  edge_heads();
  ser.edge(qk_out);
  gather.edge(row_start_, p_fire_ && !disc_now_, sm_p_, sm_rows_, sm_p_last_, pv_out_last_, row_taken_);
  front.edge(run_start_, job_release_, bk_, cyc_q, fetch.wr_valid, fetch.wr_bank, fetch.wr_pos, fetch.wr_plane);
  scan_word_ok_ = !ev_port_back_;
}

void SinkattnTop::edge_datapath() {
  const int QL = hw_.qk_lanes, PL = hw_.pv_lanes;
  if (qk_fire_) {  // the beat's scores, with the query register as it is before this edge
    qk_in_.last = qk_k_last_;
    const bool msb_only = cfg_pq_ && !ipass2_;
    for (int i = 0; i < QL; ++i)
      qk_in_.s[i] = qk_in_.lv[i] ? dot(qk_q_, k_row(kb_ * QL + i), d_, msb_only) : 0;
  }
  qk.edge(qk_in_);
  if (is_ == IsStart) qk_q_ = q_[ih_ % hw_.max_q_heads];  // q_we

  // P.V input beat (the gather's beat register): lane r row r's probability, the token's value
  // for every row.
  for (int i = 0; i < PL; ++i) pv_in_.p[i] = gather.pv_lv[i] ? gather.pv_p[i] : 0;
  pv_in_.v = gather.pv_valid ? v_row(gather.pv_pos) : nullptr;
  pv_in_.last = gather.pv_last;
  pv_in_.rows = gather.pv_rows;
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
}

// What each counter adds this cycle, by name (configs/host_contract.yaml), as the RTL's ctr_inc.
void SinkattnTop::edge_counters() {
  const bool busy = st_ != StIdle && st_ != StClear;
  const bool row_taken = row_taken_;
  const bool accepted = p_fire_ && !disc_now_;
  ctr_[host::kCtrCycles] += busy;
  ctr_[host::kCtrRows] += row_taken && em_act_;
  ctr_[host::kCtrPrunedRows] += row_taken && !em_act_;
  if (redo_) ctr_[host::kCtrLsbRefetches] += static_cast<std::uint64_t>(__builtin_popcount(redo_mask_));
  ctr_[host::kCtrSramSinkHits] += front.list_we && front.emit < sinks_end_;
  ctr_[host::kCtrTokenReads] += front.list_we;
  if (row_taken && em_act_) ctr_[host::kCtrMacs] += static_cast<std::uint64_t>(em_n_) * cfg_d_ * (em_refetched_ ? 3 : 2);
  ctr_[host::kCtrEvictions] += drop_ && !sel_hp_;
  ctr_[host::kCtrDramWindow] += fetch.by_window;
  ctr_[host::kCtrDramMiddle] += fetch.by_middle;
  ctr_[host::kCtrDramLsb] += fetch.by_lsb;
  // The top-k statistics (pass_o) are summed by the engine model; the RTL adds them pass by pass.
  ctr_[host::kCtrTopkPasses] = static_cast<std::uint64_t>(tk.passes);
  ctr_[host::kCtrTopkElements] = tk.elements;
  ctr_[host::kCtrQkBusy] += qk_fire_;
  ctr_[host::kCtrSoftmaxBusy] += ser.take || p_fire_;
  ctr_[host::kCtrPvBusy] += gather.pv_fire || pv_out_fire_;
  ctr_[host::kCtrTopkBusy] += !tk.start_ready;
  ctr_[host::kCtrFetchBusy] += !fetch.idle;
  ctr_[host::kCtrDataStall] += (is_ == IsQk && !keys_ready_) || (st_ == StRowSm && sm.p_valid && !disc_now_ && !v_ready_);
  ctr_[host::kCtrDramReqStall] += fetch.req_valid && !fetch.req_ready;
  ctr_[host::kCtrListScan] += front.scan;
  ctr_[host::kCtrSelectCycles] +=
      st_ == StHpScan || st_ == StEvScan || st_ == StSelStart || st_ == StSelFeed || st_ == StSelOut;
  if (row_taken && em_act_) ctr_[host::kCtrRowTokens] += static_cast<std::uint64_t>(em_n_);
  if (accepted && gather.prow >= sinks_end_) ctr_[host::kCtrImportanceUpdates] += static_cast<std::uint64_t>(sm_rows_);
  ctr_[host::kCtrImportanceLoads] += cmd_fire_ && cmd_op == host::kOpImportance;
  ctr_[host::kCtrPrefillCycles] += busy && prefill_;
}

// Memory writes, enables from the controller and the front.
void SinkattnTop::edge_memories() {
  if (cmd_fire_ && cmd_op == host::kOpQuery) {
    q_[cmd_addr % hw_.max_q_heads] = cmd_vec;
    mant_[cmd_addr % hw_.max_q_heads] =
        static_cast<std::uint32_t>((cmd_data >> host::kQueryMant.lsb) & ((1u << num::kScaleMantBits) - 1));
    shift_[cmd_addr % hw_.max_q_heads] = static_cast<int>(host::kQueryShift.get(cmd_data));
  }
  if (front.list_we) list_at(front.bank, front.n[front.bank]) = front.emit;
  if (st_ == StHpScan && !(hpruned_[j_] & lbit_)) cand_[cnt_] = j_;
  if (st_ == StEvScan && (evl_ ? j_ < evl_end_ : !(evict_at(g_, j_) & lbit_)))
    cand_[cnt_] = evl_ ? list_at(evl_bank_, j_) : j_;
  // Token importance: cleared by the sweep, loaded by the host's prefill, accumulated from
  // accepted entries (a token's probabilities summed over its group's rows: integer adds in any
  // order are the golden model's row-by-row sum).
  if (st_ == StClear) {
    imp_[imp_index(cl_s_, cl_l_, cl_t_)] = 0;
  } else if (cmd_fire_ && cmd_op == host::kOpImportance) {
    imp_[imp_index(static_cast<int>(host::kImportanceAddrScope.get(cmd_addr)),
                   static_cast<int>(host::kImportanceAddrList.get(cmd_addr)),
                   static_cast<int>(host::kImportanceAddrToken.get(cmd_addr)))] = cmd_data & kImpMask;
  } else if (p_fire_ && !disc_now_ && gather.prow >= sinks_end_) {
    std::uint64_t& e = imp_[imp_index(scope_, list_g_, list_at(bk_, gather.prow))];
    std::uint64_t sum = 0;
    for (std::uint32_t x : sm_p_) sum += x;
    e = (e + sum) & kImpMask;
  }
  // Alive bitmap: cleared by the sweep, evicted-at masks set by the top-k walk.
  if (st_ == StClear && cl_s_ == 0) evict_at(cl_l_, cl_t_) = 0;
  else if (drop_ && !sel_hp_) evict_at(g_, drop_tok_) |= cfg_cascade_ ? ge_mask_ : lbit_;
}

// Configuration registers: the host's OpReg, OpLayer and OpPolicy writes (commands are accepted
// only while the controller is idle).
void SinkattnTop::edge_config() {
  if (!cmd_fire_) return;
  switch (cmd_op) {
    case host::kOpReg: {
      const int v = static_cast<int>(cmd_data & 0xffff);
      // The token registers are TokW = clog2(max_tokens + 1) bits wide, as the RTL's.
      const std::uint64_t tok_mask = (std::uint64_t{1} << latency::ceil_log2(static_cast<std::uint64_t>(hw_.max_tokens) + 1)) - 1;
      const int tok = static_cast<int>(cmd_data & tok_mask);
      switch (cmd_addr & ((1u << host::kRegAddrBits) - 1)) {
        case host::kRegLayers: cfg_layers_ = v & ((1u << host::kLayerBits) - 1); break;
        case host::kRegQHeads: cfg_hq_ = v & ((1u << host::kHeadBits) - 1); break;
        case host::kRegKvHeads: cfg_hkv_ = v & ((1u << host::kHeadBits) - 1); break;
        case host::kRegGroup: cfg_group_ = v & ((1u << host::kHeadBits) - 1); break;
        case host::kRegHeadDim: cfg_d_ = v; break;
        case host::kRegTokens: cfg_t_ = tok; break;
        case host::kRegPrompt: cfg_prompt_ = tok; break;
        case host::kRegSinks: cfg_sinks_ = tok; break;
        case host::kRegWindow: cfg_window_ = tok; break;
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
    case host::kOpLayer:
      budget_[cmd_addr % hw_.max_layers] = static_cast<int>(host::kLayerBudget.get(cmd_data));
      keep_[cmd_addr % hw_.max_layers] = static_cast<int>(host::kLayerHeadsKeep.get(cmd_data));
      break;
    case host::kOpPolicy: policy_[cmd_addr % hw_.max_layers] = cmd_data; break;
    default: break;
  }
}

// The emit slot (rtl/sinkattn_top.sv, "Row emission"), from the registers before this edge.
void SinkattnTop::edge_emit() {
  if (row_next_) {  // (never with row_taken_: the slot is empty)
    em_valid_ = true;
    em_act_ = !wk_pruned_;
    em_head_ = h_cur_;
    em_n_ = n_b_;
    em_refetched_ = !wk_pruned_ && (wk_ref_ & 1);
  } else if (row_taken_) {
    em_valid_ = false;
  }
  // The retired group's rows: loaded at its last entry (never while rows are left: that entry
  // waits), one less at each computed head the walker emits.
  if (st_ == StRowSm && p_fire_ && !disc_now_ && sm_p_last_) {
    wk_left_ = sm_rows_;
    wk_ref_ = gpass2_;
  } else if (row_next_ && !wk_pruned_) {
    --wk_left_;
    wk_ref_ >>= 1;
  }
}

// Head state: importance (the sum of |out| of the head's rows) and the pruned-at-layer masks
// (set by the head-pruning top-k walk), both cleared by OpClear.
void SinkattnTop::edge_heads() {
  if (head_clear_) {
    std::fill(himp_.begin(), himp_.end(), 0);
    std::fill(hpruned_.begin(), hpruned_.end(), 0);
    return;
  }
  // The outputs coming in are the emit slot's row's (a row's outputs follow its retire).
  if (pv_out_fire_) himp_[em_head_] = (himp_[em_head_] + gather.out_abs) & kImpMask;
  if (drop_ && sel_hp_) hpruned_[drop_tok_] |= ge_mask_;
}

// The controller: the state machine in docs/policy.md's order and the event register.
void SinkattnTop::edge_controller() {
  ++cyc_;
  ev_valid_q_ = false;
  auto event = [&](int kind, int group, int tokens, std::uint64_t start) {
    ev_valid_q_ = true;
    ev_q_ = {kind, t_, l_, group, tokens, start, cyc_ - 1};
  };
  switch (st_) {
    case StIdle:
      if (cmd_fire_) {
        switch (cmd_op) {  // kOpReg, kOpLayer, kOpPolicy: edge_config()
          case host::kOpClear:
            cl_s_ = cl_l_ = cl_t_ = 0;
            st_ = StClear;
            break;
          case host::kOpRun: {
            t_ = static_cast<int>(host::kRunStep.get(cmd_data));
            l_ = static_cast<int>(host::kRunLayer.get(cmd_data));
            phase_start_ = cyc_ - 1;
            j_ = cnt_ = g_ = gbase_ = 0;
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
    // Head pruning: alive heads at l, then the top-k engine keeps keep_[l] of them.
    case StHpScan:
      if (!(hpruned_[j_] & lbit_)) ++cnt_;
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
        topk_beat_ = 0;
        st_ = StSelFeed;
      }
      break;
    case StSelFeed:
      if (tk.in_ready) {
        ++topk_beat_;
        if (topk_beat_ * hw_.topk_parallelism >= cnt_) {
          ptr_ = 0;
          done_seen_ = false;
          st_ = StSelOut;
        }
      }
      break;
    case StSelOut:
      if (tk.done) done_seen_ = true;
      if (tk.out_valid && tk.out_ready) ++ptr_;
      if (drop_) ++ptr_;
      if (sel_finish_) {
        event(sel_hp_ ? host::kEvHeadPruning : host::kEvEviction, sel_hp_ ? 0 : g_, cnt_, phase_start_);
        st_ = sel_hp_ ? StGrpStart : StEvNext;
      }
      break;
    // One KV-head job.
    case StGrpStart:  // the rows of job g start when the front has completed its list
      r_ = 0;
      lsb_started_ = false;
      if (front.busy[bk_] && front.listed[bk_]) st_ = StRowStart;
      break;
    // The groups are retired here in the order the row issue (edge_issue) feeds them in, and the
    // walker (edge_emit) sends the job's heads on.
    case StRowStart:
      gpass2_ = 0;
      first_ = true;
      disc_ = false;
      st_ = StRowSm;
      break;
    case StRowSm:
      if (p_fire_) {
        first_ = false;
        disc_ = disc_now_;
        // Too flat an MSB pass: fetch the LSB plane (once per job); the issue sends the group
        // again, its masked rows with full keys.
        if (redo_) lsb_started_ = true;
        if (sm_p_last_) {
          // The group's last entry: it retires, or, discarded, its re-issue comes next with the
          // redo mask's rows recomputed.
          first_ = true;
          disc_ = false;
          gpass2_ = !disc_now_ ? 0 : redo_ ? redo_mask_ : imask_;
        }
      }
      if (row_next_) {
        if (r_ + 1 >= cfg_group_) st_ = StGrpWait;
        else ++r_;
      }
      break;
    case StGrpWait:
      if (grp_done_) {  // nothing of the job left in flight: release its bank or, with head
                        // granularity, evict its list first
        event(host::kEvJob, g_, n_b_, front.start[bk_]);
        if (cfg_ghead_) {
          evj_ = true;
          st_ = StEvStart;
        } else if (g_ + 1 >= cfg_hkv_) {
          g_ = 0;
          st_ = StEvStart;
        } else {
          ++g_;
          gbase_ += cfg_group_;
          st_ = StGrpStart;
        }
      }
      break;
    // Eviction: g walks the alive lists of layer l.
    case StEvStart: {
      phase_start_ = cyc_ - 1;
      cnt_ = 0;
      j_ = cfg_sinks_;
      // Eviction from a read list (rtl/sinkattn_top.sv): the list's last job, if still in its
      // bank, scanned in this run and topk, holds the candidates between its sinks and window.
      // (The RTL writes each candidate the cycle after its position; the count is the same.)
      const int b = evl_bank();
      evl_ = evl_ok();
      evl_bank_ = b != 0;
      evl_end_ = front.n[b] - (t_ + 1 - mid_end_);
      st_ = ((cfg_ghead_ ? pol_g_ == host::kPolicyTopk : any_topk_) && cfg_sinks_ < mid_end_) ? StEvScan : StEvNext;
      break;
    }
    case StEvScan:  // walking a list: positions S .. evl_end_ - 1, then one cycle for the last score
      if (evl_ ? j_ < evl_end_ : !(evict_at(g_, j_) & lbit_)) ++cnt_;
      if (evl_) {
        if (j_ >= evl_end_) st_ = StEvDec;
        else ++j_;
      } else {  // walking the tokens, a word of the alive bitmap a cycle
        const int next = ev_walk_next();
        if (next >= mid_end_) st_ = StEvDec;
        else j_ = next;
      }
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
      if (evj_) {  // back to the jobs, or the run is over
        evj_ = false;
        if (g_ + 1 >= cfg_hkv_) {
          st_ = StDone;
        } else {
          ++g_;
          gbase_ += cfg_group_;
          st_ = StGrpStart;
        }
      } else if (g_ + 1 >= lists_) st_ = StDone;
      else {
        ++g_;
        st_ = StEvStart;
      }
      break;
    case StDone:  // the run's last row has left (the next run's commands change what it is sent with)
      if (!em_valid_pre_) {
        g_ = 0;
        st_ = StIdle;
      }
      break;
  }
}

// The row issue (rtl/sinkattn_top.sv, "Row issue"): the job's rows into the Q.K lanes in groups,
// ahead of the controller; with progressive quantization it stops after a group's last row until
// the group's decision, and a redo sends the group again.
void SinkattnTop::edge_issue() {
  // Registers as they are before this edge.
  const bool tag_full = static_cast<int>(row_tag_.size()) >= kRowTagDepth;
  const bool rw_q = rw_, iwait_q = iwait_;
  // Row tags: pushed when a row starts, popped when its last score enters the softmax.
  if (ser.take && ser.out_last) row_tag_.pop_front();
  if (is_ == IsStart) row_tag_.push_back({ih_ % hw_.max_q_heads, iglast_});
  if (grp_start_) {  // a job's rows begin: the issue starts from its first row
    is_ = IsIdle;
    ipass2_ = rw_ = iwait_ = ire_ = false;
    igcnt_ = 0;
    ir_ = 0;
    return;
  }
  if (decide_) iwait_ = false;
  if (redo_) {  // the issue is waiting at the group: send it again
    if (!iwait_q) {
      std::cerr << "sinkattn_top (SystemC): a redo while the issue is not waiting at its group\n";
      std::abort();
    }
    rw_ = true;
    rw_row_ = ig_first_;
    imask_ = redo_mask_;
  }
  switch (is_) {
    case IsIdle:
      if (rw_q) {  // the rewind: the group again from its first row
        ir_ = rw_row_;
        if (!tag_full) {
          rw_ = false;
          ire_ = true;
          igcnt_ = 0;
          is_ = IsStart;
        }
      } else if (iss_more_ && iss_pruned_) {
        ++ir_;
      } else if (iss_more_ && !tag_full && !iwait_q && !redo_) {
        is_ = IsStart;
      }
      break;
    case IsStart:
      kb_ = 0;
      // The row's pass: full keys where a re-issued group's redo mask says so.
      ipass2_ = ire_ && (imask_ >> igcnt_ & 1);
      if (igcnt_ == 0) ig_first_ = ir_;
      if (iglast_) {
        igcnt_ = 0;
        iwait_ = cfg_pq_;
      } else {
        ++igcnt_;
      }
      is_ = IsQk;
      break;
    case IsQk:
      if (qk_fire_) {
        ++kb_;
        if (qk_k_last_) {
          ++ir_;
          ipass2_ = false;
          is_ = IsIdle;
          if (igcnt_ == 0) ire_ = false;  // the group's last row is issued
        }
      }
      break;
  }
}

}  // namespace sinkattn::sim
