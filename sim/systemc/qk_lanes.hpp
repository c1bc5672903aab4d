// Q.K lanes (rtl/qk_lanes.sv): a stallable pipeline of 1 + ceil(log2(HeadDim) / 2) stages; the
// scores of a beat are computed when it enters (with the query register as it is then).
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

namespace sinkattn::sim {

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

}  // namespace sinkattn::sim
