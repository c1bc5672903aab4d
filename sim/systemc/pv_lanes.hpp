// P.V lanes (rtl/pv_lanes.sv): product stage, accumulate stage, output buffer drained
// OutLanes elements per cycle while out_ready (the gather's row register is free).
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
  bool out_ready = true;
  // Combinational
  bool a_take = false, ob_load = false, pv_ready = false, p_load = false, out_valid = false, out_last = false;

  PvLanes(sc_core::sc_module_name n, int hw_head_dim, int trace_dim) : sc_core::sc_module(n) {
    out_beats = hw_head_dim / kOutLanes;
    dim = trace_dim;
    acc.assign(dim, 0);
    ob.assign(static_cast<std::size_t>(out_beats) * kOutLanes, 0);
  }
  void comb() {
    const bool ob_free = ob_cnt == 0 || (ob_cnt == 1 && out_ready);
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
    else if (out_valid && out_ready) --ob_cnt;
    if (pv_ready) prod_valid = pv_valid;
    if (p_load) prod = in;
  }
};

}  // namespace sinkattn::sim
