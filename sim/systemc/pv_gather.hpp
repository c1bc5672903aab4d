// The P.V gather (rtl/sinkattn_pv_gather.sv): each accepted entry of the softmax unit (a token's
// probabilities for every row of its group) as a P.V group beat, and the P.V lanes' output beats
// gathered into the row register with their sum of |out| (head importance). The row register
// takes beats while it is not done and the top has a row for them (out_ready); out_clear (a row
// was sent on) empties it to zeros, which is what a pruned head's row is sent with. row_start
// (the controller's, a new job) restarts the token counter and wins over the gather's own
// updates, as in the RTL.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "pv_lanes.hpp"

namespace sinkattn::sim {

struct PvGather : sc_core::sc_module {
  // ---- registers ----
  int prow = 0;  // list position of the next entry's token
  bool pv_valid = false, pv_last = false;  // the beat register
  std::vector<std::uint32_t> pv_p;         // row r's probability in lane r
  std::vector<std::uint8_t> pv_lv;
  int pv_rows = 1;  // the group's rows
  int pv_pos = 0;   // list position of the beat's token
  int ob = 0;      // output beat of the row
  bool out_done = false;
  std::vector<std::int16_t> row;  // the row's outputs (the trace's D elements)

  // ---- combinational ----
  bool free = false, pv_fire = false;
  std::uint64_t out_abs = 0;  // sum of |out| over the output beat

  // `out_lanes`: hw.out_lanes, the P.V lanes' output elements per beat.
  PvGather(sc_core::sc_module_name n, int pv_lanes, int out_lanes, int trace_dim)
      : sc_core::sc_module(n), lanes_(pv_lanes), out_lanes_(out_lanes), dim_(trace_dim) {
    vals_.assign(out_lanes_, 0);
    pv_p.assign(lanes_, 0);
    pv_lv.assign(lanes_, 0);
    row.assign(dim_, 0);
  }

  // `pv_ready`: the P.V lanes'.
  void comb_in(bool pv_ready) {
    pv_fire = pv_valid && pv_ready;
    free = !pv_valid || pv_fire;
  }
  // The P.V lanes' output beat (`beat` of the row, elements `pv.ob`), if `valid`: its sum of
  // |out|, and its values kept for the edge (the lanes' edge may overwrite their buffer first).
  void comb_out(bool valid, int beat, const std::vector<std::int16_t>& elements) {
    out_valid_ = valid;
    out_beat_ = beat;
    out_abs = 0;
    if (!valid) return;
    for (int e = beat * out_lanes_; e < (beat + 1) * out_lanes_ && e < dim_; ++e)
      out_abs += static_cast<std::uint64_t>(std::abs(static_cast<int>(vals_[e % out_lanes_] = elements[e])));
  }

  // `accept`: an entry is accepted, `p` its probabilities per row, `rows` its group's rows
  // (`p_last`: the group's last token); `out_last`: the output beat is the row's last;
  // `out_clear`: a row was sent on (the register to zero).
  void edge(bool row_start, bool accept, const std::vector<std::uint32_t>& p, int rows, bool p_last, bool out_last,
            bool out_clear) {
    if (pv_fire) pv_valid = false;
    if (accept) {
      pv_valid = true;
      for (int i = 0; i < lanes_; ++i) {
        pv_p[i] = p[i];
        pv_lv[i] = i < rows;
      }
      pv_last = p_last;
      pv_rows = rows;
      pv_pos = prow;
      prow = p_last ? 0 : prow + 1;
    }
    if (out_valid_) {
      for (int e = out_beat_ * out_lanes_; e < (out_beat_ + 1) * out_lanes_ && e < dim_; ++e)
        row[e] = vals_[e % out_lanes_];
      if (out_last) {
        ob = 0;
        out_done = true;
      } else {
        ++ob;
      }
    }
    // The top's pulses, after (over) the gather's own updates.
    if (row_start) prow = 0;
    if (out_clear) {
      out_done = false;
      std::fill(row.begin(), row.end(), 0);
    }
  }

 private:
  const int lanes_, out_lanes_, dim_;
  bool out_valid_ = false;
  int out_beat_ = 0;
  std::vector<std::int16_t> vals_;  // the output beat's elements
};

}  // namespace sinkattn::sim
