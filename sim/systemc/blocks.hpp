// The blocks of the SystemC model, one sc_module per RTL block, each with the RTL block's
// handshake interface and the RTL's register-level control, so that every valid/ready decision
// is taken in the same cycle as in the RTL. Data travels as indices (list positions, tokens,
// probabilities) and is computed with the golden model's own numeric functions, so outputs are
// bit-exact by construction; only the timing is modelled register by register.
//
// Evaluation discipline (the SimTop clock process drives it): once per cycle every block's
// combinational outputs are computed from its registers (`comb`), the top wires them together,
// then every block's registers advance at the clock edge (`edge`) from those values. A block's
// `edge` touches only its own state, so the order of the edges does not matter.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "sinkattn/numerics.hpp"
#include "sinkattn/topk.hpp"

namespace sinkattn::sim {

// -----------------------------------------------------------------------------------------------
// K/V fetch (rtl/kv_fetch.sv): list positions to burst requests, tag FIFO, plane-row completion.
// -----------------------------------------------------------------------------------------------
struct KvFetch : sc_core::sc_module {
  // Parameters
  int burst_bytes = 64, tag_depth = 64, plane_shift = 7;
  // Registers: the main context (one job's key and value planes) and the LSB context
  struct Context {
    bool act = false, bank = false, vplane = false;
    int group = 0, pos = 0, off = 0;
  } m, l;
  struct Tag {
    bool bank;
    int pos, plane;
    bool last;
  };
  std::deque<Tag> tags;
  std::array<int, 2> infl{};  // requests in flight per bank
  // Inputs (set by the top before comb)
  bool start = false, start_bank = false, lsb_start = false, lsb_bank = false, pq = false;
  int start_group = 0, lsb_group = 0;
  std::array<bool, 2> list_done{};
  std::array<int, 2> list_n{};
  int layer = 0, kv_heads = 0, tokens = 0, head_dim = 0, first_pos = 0, mid_end = 0, list_tok = 0;
  bool req_ready = false, resp_valid = false, resp_last = false;
  // Combinational outputs
  int plane = 0, len = 0;
  bool use_l = false, m_have = false, last_burst = false, req_valid = false, req_fire = false, idle = true;
  bool main_free = true;
  std::array<bool, 2> bank_idle{true, true};
  std::uint64_t addr = 0;
  int by_window = 0, by_middle = 0, by_lsb = 0;
  bool wr_valid = false, wr_bank = false;
  int wr_pos = 0, wr_plane = 0;

  explicit KvFetch(sc_core::sc_module_name n) : sc_core::sc_module(n) {}

  int row_bytes(int p) const {
    const int bits = p == 1 ? num::kKeyMsbBits : p == 2 ? num::kKeyLsbBits : num::kDataBits;
    return (head_dim * bits + 7) / 8;
  }
  // The list entry the request side reads this cycle (before comb_req: list_tok = list[bank][pos]).
  void comb_sel() {
    m_have = m.act && m.pos < list_n[m.bank];
    const bool l_have = l.act && l.pos < list_n[l.bank];
    use_l = l_have && m.off == 0;  // LSB first, between main plane rows
  }
  bool sel_bank() const { return use_l ? l.bank : m.bank; }
  int sel_pos() const { return use_l ? l.pos : m.pos; }
  void comb_req() {
    const Context& c = use_l ? l : m;
    plane = use_l ? 2 : m.vplane ? 3 : (pq ? 1 : 0);
    const int rem = row_bytes(plane) - c.off;
    len = rem > burst_bytes ? burst_bytes : rem;
    last_burst = rem <= burst_bytes;
    req_valid = (use_l || m_have) && static_cast<int>(tags.size()) < tag_depth;
    const std::uint64_t row =
        ((static_cast<std::uint64_t>(layer) * kv_heads + c.group) * tokens + list_tok) * 4 + plane;
    addr = (row << plane_shift) + c.off;
    idle = !m.act && !l.act && tags.empty();
    main_free = !m.act;
    for (int b = 0; b < 2; ++b)
      bank_idle[b] = !(m.act && m.bank == b) && !(l.act && l.bank == b) && infl[b] == 0;
  }
  void comb_port() {
    req_fire = req_valid && req_ready;
    by_window = by_middle = by_lsb = 0;
    if (req_fire) {
      if (plane == 2) by_lsb = len;
      else if (list_tok >= mid_end) by_window = len;
      else by_middle = len;
    }
    const bool tag_pop = resp_valid && resp_last;
    wr_valid = tag_pop && tags.front().last;
    wr_bank = wr_valid && tags.front().bank;
    wr_pos = wr_valid ? tags.front().pos : 0;
    wr_plane = wr_valid ? tags.front().plane : 0;
  }
  void edge() {
    const bool bank = sel_bank();
    if (req_fire) {
      tags.push_back({bank, sel_pos(), plane, last_burst});
      ++infl[bank];
    }
    if (resp_valid && resp_last) {
      --infl[tags.front().bank];
      tags.pop_front();
    }
    // Main context
    if (start) {
      m = Context{true, start_bank, false, start_group, first_pos, 0};
    } else if (req_fire && !use_l) {
      if (!last_burst) {
        m.off += len;
      } else {
        m.off = 0;
        if (!m.vplane) {
          m.vplane = true;
        } else {
          m.vplane = false;
          ++m.pos;
        }
      }
    } else if (m.act && list_done[m.bank] && !m_have) {
      m.act = false;
    }
    // LSB context
    if (lsb_start) {
      l = Context{true, lsb_bank, false, lsb_group, first_pos, 0};
    } else if (req_fire && use_l) {
      if (!last_burst) {
        l.off += len;
      } else {
        l.off = 0;
        ++l.pos;
      }
    } else if (l.act && !(l.pos < list_n[l.bank])) {
      l.act = false;
    }
  }
};

// -----------------------------------------------------------------------------------------------
// Q.K lanes (rtl/qk_lanes.sv): a stallable pipeline of 1 + ceil(log2(HeadDim) / 2) stages; the
// scores of a beat are computed when it enters (with the query register as it is then).
// -----------------------------------------------------------------------------------------------
struct QkLanes : sc_core::sc_module {
  struct Beat {
    bool last = false;
    std::vector<std::uint8_t> lv;
    std::vector<std::int32_t> s;
  };
  int stages = 4;
  std::vector<std::uint8_t> valid;
  std::vector<Beat> data;
  // Inputs
  bool k_valid = false, s_ready = false;
  // Outputs
  bool k_ready = false, s_valid = false;
  std::vector<std::uint8_t> stage_ready;

  QkLanes(sc_core::sc_module_name n, int head_dim, int lanes) : sc_core::sc_module(n) {
    int levels = 0;
    while ((1 << levels) < head_dim) ++levels;
    stages = 1 + (levels + 1) / 2;
    valid.assign(stages, 0);
    data.assign(stages, Beat{false, std::vector<std::uint8_t>(lanes, 0), std::vector<std::int32_t>(lanes, 0)});
    stage_ready.assign(stages + 1, 0);
  }
  void comb() {
    stage_ready[stages] = s_ready;
    for (int s = stages - 1; s >= 0; --s) stage_ready[s] = !valid[s] || stage_ready[s + 1];
    k_ready = stage_ready[0];
    s_valid = valid[stages - 1];
  }
  const Beat& out() const { return data[stages - 1]; }
  // `in` is the beat offered at the input (used when k_valid && k_ready).
  void edge(const Beat& in) {
    for (int s = stages - 1; s >= 1; --s)
      if (stage_ready[s]) {
        valid[s] = valid[s - 1];
        if (valid[s - 1]) data[s] = data[s - 1];
      }
    if (stage_ready[0]) {
      valid[0] = k_valid;
      if (k_valid) data[0] = in;
    }
  }
};

// -----------------------------------------------------------------------------------------------
// Softmax unit (rtl/softmax_unit.sv): two score banks, EXP pipeline (4 stages), reciprocal
// (2 stages), two exp banks, OUT pipeline (2 stages) with a credit-reserved output FIFO.
// The probabilities of a row are computed with num::softmax_row when EXP starts on it.
// -----------------------------------------------------------------------------------------------
struct SoftmaxUnit : sc_core::sc_module {
  static constexpr int kFifoDepth = 4;
  struct Entry {
    bool last;
    std::uint32_t pmax, p;
  };
  // Score banks
  std::array<bool, 2> sb_full{}, eb_busy{}, eb_ready{};
  std::array<int, 2> sb_n{}, eb_n{};
  std::array<std::uint32_t, 2> sb_mant{};
  std::array<int, 2> sb_shift{};
  std::array<std::vector<std::int32_t>, 2> score;
  std::array<std::vector<std::uint32_t>, 2> prob;
  std::array<std::uint32_t, 2> pmax{};
  int in_bank = 0, in_idx = 0;
  // EXP issue and pipeline
  int x_bank = 0, x_idx = 0, x_n = 0;
  bool x_run = false;
  struct XStage {
    bool valid = false, last = false;
    int bank = 0;
  };
  std::array<XStage, 4> xs{};
  bool r0_valid = false, r1_valid = false;
  int r0_bank = 0, r1_bank = 0;
  // OUT issue and pipeline
  int o_bank = 0, o_idx = 0, o_n = 0;
  bool o_run = false;
  struct OStage {
    bool valid = false;
    Entry e{};
  };
  OStage o1, o2;
  std::deque<Entry> fifo;
  int occ = 0;
  // Inputs
  bool s_valid = false, s_last = false, p_ready = false;
  std::int32_t s_in = 0;
  std::uint32_t mant_in = 0;
  int shift_in = 0;
  // Combinational
  bool s_ready = false, in_take = false, p_valid = false, pop = false;
  bool x_start = false, x_issue = false, x_issue_last = false, o_issue = false, o_issue_last = false;
  int x_cur_idx = 0, x_cur_n = 0, o_cur_idx = 0, o_cur_n = 0;

  SoftmaxUnit(sc_core::sc_module_name n, int max_tokens) : sc_core::sc_module(n) {
    for (int b = 0; b < 2; ++b) {
      score[b].assign(max_tokens, 0);
      prob[b].assign(max_tokens, 0);
    }
  }
  void comb_in() {
    s_ready = !sb_full[in_bank];
    p_valid = !fifo.empty();
  }
  const Entry& head() const { return fifo.front(); }
  void comb() {  // after s_valid, p_ready are known
    in_take = s_valid && s_ready;
    x_start = !x_run && sb_full[x_bank] && !eb_busy[x_bank];
    x_issue = x_run || x_start;
    x_cur_idx = x_run ? x_idx : 0;
    x_cur_n = x_run ? x_n : sb_n[x_bank];
    x_issue_last = x_issue && x_cur_idx == x_cur_n - 1;
    o_issue = (o_run || eb_ready[o_bank]) && occ < kFifoDepth;
    o_cur_idx = o_run ? o_idx : 0;
    o_cur_n = o_run ? o_n : eb_n[o_bank];
    o_issue_last = o_issue && o_cur_idx == o_cur_n - 1;
    pop = p_valid && p_ready;
  }
  void edge() {
    // FIFO and OUT pipeline (old o2 enters the FIFO)
    if (o2.valid) fifo.push_back(o2.e);
    if (pop) fifo.pop_front();
    occ += static_cast<int>(o_issue) - static_cast<int>(pop);
    o2 = o1;
    o1.valid = o_issue;
    if (o_issue) o1.e = {o_issue_last, pmax[o_bank], prob[o_bank][o_cur_idx]};
    // Reciprocal
    const bool r1_valid_n = r0_valid;
    const int r1_bank_n = r0_valid ? r0_bank : r1_bank;
    const bool r0_valid_n = xs[3].valid && xs[3].last;
    const int r0_bank_n = r0_valid_n ? xs[3].bank : r0_bank;
    // Flags (always_comb *_d of the RTL, from the old values)
    auto sb_full_d = sb_full;
    auto eb_busy_d = eb_busy;
    auto eb_ready_d = eb_ready;
    if (in_take && s_last) sb_full_d[in_bank] = true;
    if (x_issue_last) sb_full_d[x_bank] = false;
    if (x_start) eb_busy_d[x_bank] = true;
    if (r1_valid) eb_ready_d[r1_bank] = true;
    if (o_issue_last) {
      eb_busy_d[o_bank] = false;
      eb_ready_d[o_bank] = false;
    }
    // EXP pipeline
    for (int i = 3; i >= 1; --i) xs[i] = xs[i - 1];
    xs[0] = {x_issue, x_issue_last, x_bank};
    if (x_start) {
      eb_n[x_bank] = x_cur_n;
      pmax[x_bank] = num::softmax_row(score[x_bank].data(), x_cur_n, sb_mant[x_bank], sb_shift[x_bank],
                                      prob[x_bank].data());
    }
    if (x_issue) {
      x_run = !x_issue_last;
      x_idx = x_cur_idx + 1;
      x_n = x_cur_n;
      if (x_issue_last) x_bank ^= 1;
    }
    if (o_issue) {
      o_run = !o_issue_last;
      o_idx = o_cur_idx + 1;
      o_n = o_cur_n;
      if (o_issue_last) o_bank ^= 1;
    }
    r1_valid = r1_valid_n;
    r1_bank = r1_bank_n;
    r0_valid = r0_valid_n;
    r0_bank = r0_bank_n;
    // IN
    if (in_take) {
      score[in_bank][in_idx] = s_in;
      sb_n[in_bank] = in_idx + 1;
      if (in_idx == 0) {
        sb_mant[in_bank] = mant_in;
        sb_shift[in_bank] = shift_in;
      }
      if (s_last) {
        in_idx = 0;
        in_bank ^= 1;
      } else {
        ++in_idx;
      }
    }
    sb_full = sb_full_d;
    eb_busy = eb_busy_d;
    eb_ready = eb_ready_d;
  }
};

// -----------------------------------------------------------------------------------------------
// P.V lanes (rtl/pv_lanes.sv): product stage, accumulate stage, output buffer drained
// OutLanes elements per cycle (out_ready is tied high in the top).
// -----------------------------------------------------------------------------------------------
struct PvLanes : sc_core::sc_module {
  static constexpr int kOutLanes = 4;
  struct Beat {
    bool last = false;
    std::vector<std::uint32_t> p;      // per lane, 0 for lanes without a token
    std::vector<const std::int16_t*> v;  // value rows (nullptr: no token)
  };
  int out_beats = 16, dim = 0;  // HeadDim / OutLanes; the trace's D
  bool prod_valid = false, row_open = false;
  Beat prod;
  int ob_cnt = 0;
  std::vector<std::int64_t> acc;
  std::vector<std::int16_t> ob;
  // Inputs
  bool pv_valid = false;
  // Combinational
  bool a_take = false, ob_load = false, pv_ready = false, p_load = false, out_valid = false, out_last = false;

  PvLanes(sc_core::sc_module_name n, int hw_head_dim, int trace_dim) : sc_core::sc_module(n) {
    out_beats = hw_head_dim / kOutLanes;
    dim = trace_dim;
    acc.assign(dim, 0);
    ob.assign(static_cast<std::size_t>(out_beats) * kOutLanes, 0);
  }
  void comb() {
    const bool ob_free = ob_cnt == 0 || ob_cnt == 1;
    a_take = prod_valid && (!prod.last || ob_free);
    ob_load = a_take && prod.last;
    pv_ready = !prod_valid || a_take;
    p_load = pv_valid && pv_ready;
    out_valid = ob_cnt != 0;
    out_last = ob_cnt == 1;
  }
  int out_beat() const { return out_beats - ob_cnt; }  // index of the beat on the output
  void edge(const Beat& in) {
    if (a_take) {
      if (!row_open) std::fill(acc.begin(), acc.end(), 0);
      for (std::size_t l = 0; l < prod.p.size(); ++l)
        if (prod.v[l] && prod.p[l])
          for (int e = 0; e < dim; ++e) acc[e] += static_cast<std::int64_t>(prod.p[l]) * prod.v[l][e];
      if (prod.last)
        for (int e = 0; e < dim; ++e) ob[e] = static_cast<std::int16_t>(num::output_round(acc[e]));
      row_open = !prod.last;
    }
    if (ob_load) ob_cnt = out_beats;
    else if (out_valid) --ob_cnt;
    if (pv_ready) prod_valid = pv_valid;
    if (p_load) prod = in;
  }
};

// -----------------------------------------------------------------------------------------------
// Top-k engine (rtl/topk_engine.sv): command, loading, quick-select, final pass. Loading and the
// final pass (which the top back-pressures) are modelled cycle by cycle; the quick-select
// passes in between take the documented number of cycles (rtl/topk_engine_latency.md), a
// single wait of T_J - T_in cycles.
// -----------------------------------------------------------------------------------------------
struct TopkEngine : sc_core::sc_module {
  enum State { kIdle, kMod0, kLoad, kSelect, kFinal };
  int P = 16, mod_steps = 8;
  State st = kIdle;
  Lfsr16 lfsr{1};
  bool done_q = false, sel_mode = false, all_mode = false;
  int n = 0, k = 0, wait_left = 0, ld_row = 0, last_row = 0, fin_row = 0, out_cnt = 0, emit = 0;
  bool fin_have = false;
  std::deque<int> mask;  // kept positions of the row on the output, ascending
  std::vector<std::uint64_t> scores;  // snapshot at the command (the top holds them stable)
  std::vector<std::uint8_t> keep;
  int passes = 0;
  std::uint64_t elements = 0;
  // Inputs
  bool start_valid = false, in_valid = false, out_ready = false;
  // Outputs
  bool start_ready = false, in_ready = false, out_valid = false, out_last = false, done = false;
  int out_index = 0;

  explicit TopkEngine(sc_core::sc_module_name nm) : sc_core::sc_module(nm) {}

  int mod_cycles(unsigned c) const { return static_cast<int>(topk_mod_cycles(c, mod_steps)); }

  void comb() {
    start_ready = st == kIdle;
    in_ready = st == kLoad;
    out_valid = st == kFinal && !mask.empty();
    out_index = out_valid ? mask.front() : 0;
    out_last = out_cnt == emit - 1;
    done = done_q;
  }
  // `get_scores` is called on the command handshake with n and fills the candidates' scores.
  void edge(int n_in, int k_in, const std::function<void(std::vector<std::uint64_t>&)>& get_scores);
  // Quick-select of the loaded scores: keep set, LFSR, pass record and the cycles from the last
  // input beat to the threshold (T_J - T_in).
  int select();
};

}  // namespace sinkattn::sim
