// Softmax unit (rtl/softmax_unit.sv): two score banks, EXP pipeline (4 stages), reciprocal
// (2 stages), two exp banks, OUT pipeline (2 stages) with a credit-reserved output FIFO.
// The probabilities of a row are computed with num::softmax_row when EXP starts on it.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "cells.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn::sim {

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
  // EXP issue (u_x_issue) and pipeline
  RowIssue x;
  struct XStage {
    bool valid = false, last = false;
    int bank = 0;
  };
  std::array<XStage, 4> xs{};
  bool r0_valid = false, r1_valid = false;
  int r0_bank = 0, r1_bank = 0;
  // OUT issue (u_o_issue) and pipeline
  RowIssue o;
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
    x.comb(sb_full[x.bank] && !eb_busy[x.bank], true, sb_n[x.bank]);
    o.comb(eb_ready[o.bank], occ < kFifoDepth, eb_n[o.bank]);
    pop = p_valid && p_ready;
  }
  void edge() {
    // FIFO and OUT pipeline (old o2 enters the FIFO)
    if (o2.valid) fifo.push_back(o2.e);
    if (pop) fifo.pop_front();
    occ += static_cast<int>(o.issue) - static_cast<int>(pop);
    o2 = o1;
    o1.valid = o.issue;
    if (o.issue) o1.e = {o.last, pmax[o.bank], prob[o.bank][o.idx]};
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
    if (x.last) sb_full_d[x.bank] = false;
    if (x.start) eb_busy_d[x.bank] = true;
    if (r1_valid) eb_ready_d[r1_bank] = true;
    if (o.last) {
      eb_busy_d[o.bank] = false;
      eb_ready_d[o.bank] = false;
    }
    // EXP pipeline
    for (int i = 3; i >= 1; --i) xs[i] = xs[i - 1];
    xs[0] = {x.issue, x.last, x.bank};
    if (x.start) {
      eb_n[x.bank] = x.n;
      pmax[x.bank] = num::softmax_row(score[x.bank].data(), x.n, sb_mant[x.bank], sb_shift[x.bank],
                                      prob[x.bank].data());
    }
    x.edge();
    o.edge();
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

}  // namespace sinkattn::sim
