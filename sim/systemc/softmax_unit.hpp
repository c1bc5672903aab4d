// Softmax unit (rtl/softmax_unit.sv): two score banks, EXP pipeline (4 stages), reciprocal
// (2 stages), two exp slots of up to max_group rows each, OUT pipeline (2 stages) with a
// credit-reserved output FIFO. OUT walks a slot's group token by token, every row of a token in
// one entry.
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
    bool last;  // the group's last token
    int rows;   // the group's rows
    int j;      // the token; the probabilities are read from the slot when the entry leaves
  };
  const int max_group;
  // Score banks (IN -> EXP) and exp slots (EXP -> OUT)
  std::array<bool, 2> sb_full{}, sb_glast{}, eb_busy{}, eb_ready{};
  std::array<int, 2> sb_n{}, eb_n{}, eb_rows{};
  std::array<std::uint32_t, 2> sb_mant{};
  std::array<int, 2> sb_shift{};
  std::array<std::vector<std::int32_t>, 2> score;
  std::array<std::vector<std::vector<std::uint32_t>>, 2> prob;  // [slot][row][j]
  std::array<std::vector<std::uint32_t>, 2> pmax;               // [slot][row]
  int in_bank = 0, in_idx = 0;
  // EXP issue (u_x_issue), the slot and row it writes, and its pipeline
  RowIssue x;
  int x_slot = 0, x_row = 0;
  struct XStage {
    bool valid = false, last = false, glast = false;
    int slot = 0, row = 0;
  };
  std::array<XStage, 4> xs{};
  XStage r0, r1;  // reciprocal stages (valid: a row's last element passed X4)
  // OUT issue and pipeline
  int o_slot = 0, o_j = 0;
  struct OStage {
    bool valid = false;
    Entry e{};
  };
  OStage o1, o2;
  std::deque<Entry> fifo;
  int occ = 0;
  // The p_max and the probabilities per row (zero beyond its rows) of every group OUT has
  // started whose last entry has not left the FIFO: the RTL's p_max_o and p_o travel with each
  // entry, here once per group (the slot may be refilled before the FIFO drains).
  struct OutGroup {
    std::vector<std::uint32_t> pmax;
    std::vector<std::vector<std::uint32_t>> p;  // [row][j]
  };
  std::deque<OutGroup> out_grp;
  // Inputs
  bool s_valid = false, s_last = false, s_glast = true, p_ready = false;
  std::int32_t s_in = 0;
  std::uint32_t mant_in = 0;
  int shift_in = 0;
  // Combinational
  bool s_ready = false, in_take = false, p_valid = false, pop = false;
  bool o_issue = false, o_last = false;

  SoftmaxUnit(sc_core::sc_module_name n, int max_tokens, int max_group_rows)
      : sc_core::sc_module(n), max_group(max_group_rows) {
    for (int b = 0; b < 2; ++b) {
      score[b].assign(max_tokens, 0);
      prob[b].assign(max_group, std::vector<std::uint32_t>(max_tokens, 0));
      pmax[b].assign(max_group, 0);
    }
  }
  void comb_in() {
    s_ready = !sb_full[in_bank];
    p_valid = !fifo.empty();
  }
  const Entry& head() const { return fifo.front(); }
  // The head entry's group's p_max of row r and row r's probability of its token (valid with
  // p_valid; zero beyond the group's rows).
  std::uint32_t head_pmax(int r) const { return out_grp.front().pmax[r]; }
  std::uint32_t head_p(int r) const { return r < head().rows ? out_grp.front().p[r][head().j] : 0; }
  void comb() {  // after s_valid, p_ready are known
    in_take = s_valid && s_ready;
    x.comb(sb_full[x.bank] && (x_row != 0 || !eb_busy[x_slot]), true, sb_n[x.bank]);
    o_issue = eb_ready[o_slot] && occ < kFifoDepth;
    o_last = o_issue && o_j == eb_n[o_slot] - 1;
    pop = p_valid && p_ready;
  }
  void edge() {
    const int o_slot_q = o_slot;  // the slot OUT read this cycle
    // FIFO and OUT pipeline (old o2 enters the FIFO)
    if (o2.valid) fifo.push_back(o2.e);
    if (pop) {
      if (fifo.front().last) out_grp.pop_front();
      fifo.pop_front();
    }
    occ += static_cast<int>(o_issue) - static_cast<int>(pop);
    o2 = o1;
    o1.valid = o_issue;
    if (o_issue) {
      if (o_j == 0) {
        OutGroup g;
        g.pmax.assign(max_group, 0);
        for (int r = 0; r < eb_rows[o_slot]; ++r) {
          g.pmax[r] = pmax[o_slot][r];
          g.p.emplace_back(prob[o_slot][r].begin(), prob[o_slot][r].begin() + eb_n[o_slot]);
        }
        out_grp.push_back(std::move(g));
      }
      o1.e = {o_last, eb_rows[o_slot], o_j};
      o_j = o_last ? 0 : o_j + 1;
      if (o_last) o_slot ^= 1;
    }
    // Flags (always_comb *_d of the RTL, from the old values)
    auto sb_full_d = sb_full;
    auto eb_busy_d = eb_busy;
    auto eb_ready_d = eb_ready;
    if (in_take && s_last) sb_full_d[in_bank] = true;
    if (x.last) sb_full_d[x.bank] = false;
    if (x.start && x_row == 0) eb_busy_d[x_slot] = true;
    if (r1.valid && r1.glast) {
      eb_ready_d[r1.slot] = true;
      eb_rows[r1.slot] = r1.row + 1;
    }
    if (o_last) {
      eb_busy_d[o_slot_q] = false;
      eb_ready_d[o_slot_q] = false;
    }
    // Reciprocal
    r1 = r0;
    r0 = xs[3];
    r0.valid = xs[3].valid && xs[3].last;
    // EXP pipeline
    for (int i = 3; i >= 1; --i) xs[i] = xs[i - 1];
    const bool glast = sb_glast[x.bank];
    xs[0] = {x.issue, x.last, glast, x_slot, x_row};
    if (x.start) {
      eb_n[x_slot] = x.n;
      pmax[x_slot][x_row] = num::softmax_row(score[x.bank].data(), x.n, sb_mant[x.bank], sb_shift[x.bank],
                                             prob[x_slot][x_row].data());
    }
    if (x.last) {
      x_slot ^= static_cast<int>(glast);
      x_row = glast ? 0 : x_row + 1;
    }
    x.edge();
    // IN
    if (in_take) {
      score[in_bank][in_idx] = s_in;
      sb_n[in_bank] = in_idx + 1;
      if (in_idx == 0) {
        sb_mant[in_bank] = mant_in;
        sb_shift[in_bank] = shift_in;
      }
      if (s_last) {
        sb_glast[in_bank] = s_glast;
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
