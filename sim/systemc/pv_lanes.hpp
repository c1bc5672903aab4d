// P.V lanes (rtl/pv_lanes.sv): product stage, accumulate stage, output register drained
// out_lanes elements per cycle while out_ready (the gather's row register is free). A beat is one
// token of a group: lane r's probability times the token's value goes into row r, and the last
// beat closes `rows` rows: row 0 enters the output register, rows 1 .. rows-1 wait in their
// accumulators and move in one by one as the register frees, and no beat is accumulated while
// they wait (but the one taken as the last of them moves).
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sinkattn/numerics.hpp"

namespace sinkattn::sim {

struct PvLanes : sc_core::sc_module {
  struct Beat {
    bool last = false;
    int rows = 1;                   // with `last`: the rows that close
    std::vector<std::uint32_t> p;   // per row (lane), 0 for a row without the token
    const std::int16_t* v = nullptr;  // the token's value row (nullptr: no token)
  };
  const int out_lanes, out_beats, dim, lanes;  // hw.out_lanes; HeadDim / OutLanes; the trace's D; rows of a group
  bool prod_valid = false, row_open = false;
  Beat prod;
  int ob_cnt = 0;          // output beats left in the output register
  int waiting = 0;         // closed rows still in their accumulators
  int mv_row = 1;          // the next of them to move
  std::vector<std::vector<std::int64_t>> acc;  // [row][element]
  std::vector<std::int16_t> ob;  // the output register's row, element e at e (HeadDim of the hardware)
  // Inputs
  bool pv_valid = false;
  bool out_ready = true;
  // Combinational
  bool a_take = false, ob_load = false, mv = false, pv_ready = false, p_load = false, out_valid = false,
       out_last = false;

  PvLanes(sc_core::sc_module_name n, int hw_head_dim, int trace_dim, int pv_lanes, int hw_out_lanes)
      : sc_core::sc_module(n),
        out_lanes(hw_out_lanes),
        out_beats(hw_head_dim / hw_out_lanes),
        dim(trace_dim),
        lanes(pv_lanes) {
    acc.assign(lanes, std::vector<std::int64_t>(dim, 0));
    ob.assign(static_cast<std::size_t>(hw_head_dim), 0);
  }
  void comb() {
    const bool ob_free = ob_cnt == 0 || (ob_cnt == 1 && out_ready);
    mv = waiting != 0 && ob_free;
    const bool acc_busy = waiting != 0 && !(mv && waiting == 1);
    a_take = prod_valid && !acc_busy && (!prod.last || (ob_free && !mv));
    ob_load = a_take && prod.last;
    pv_ready = !prod_valid || a_take;
    p_load = pv_valid && pv_ready;
    out_valid = ob_cnt != 0;
    out_last = ob_cnt == 1;
  }
  int out_beat() const { return out_beats - ob_cnt; }  // the output beat's index in its row
  void edge(const Beat& in) {
    // The output register's row is read from its accumulators (held until the row has left:
    // the accumulators take no beat while a later row of the group waits). Row 0 is read after
    // this edge's accumulation; a moving row before a new group overwrites it.
    std::vector<std::int16_t> moved;
    if (mv) {
      moved.assign(ob.size(), 0);
      for (int e = 0; e < dim; ++e) moved[e] = static_cast<std::int16_t>(num::output_round(acc[mv_row][e]));
    }
    if (a_take) {
      if (!row_open)
        for (auto& a : acc) std::fill(a.begin(), a.end(), 0);
      for (int r = 0; r < lanes && prod.v; ++r)
        if (prod.p[r])
          for (int e = 0; e < dim; ++e) acc[r][e] += static_cast<std::int64_t>(prod.p[r]) * prod.v[e];
      row_open = !prod.last;
    }
    if (ob_load) {
      for (int e = 0; e < dim; ++e) ob[e] = static_cast<std::int16_t>(num::output_round(acc[0][e]));
      ob_cnt = out_beats;
      waiting = prod.rows - 1;
      mv_row = 1;
    } else if (mv) {
      ob = std::move(moved);
      ob_cnt = out_beats;
      --waiting;
      ++mv_row;
    } else if (out_valid && out_ready) {
      --ob_cnt;
    }
    if (pv_ready) prod_valid = pv_valid;
    if (p_load) prod = in;
  }
};

}  // namespace sinkattn::sim
