// The score serializer (rtl/sinkattn_serializer.sv): one beat register between the Q.K lanes
// (QkLanes scores a beat) and the softmax unit (one score a cycle). Valid lanes are contiguous
// from lane 0; a new beat is taken in the cycle the register's last score leaves.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "qk_lanes.hpp"

namespace sinkattn::sim {

struct Serializer : sc_core::sc_module {
  // ---- registers ----
  bool valid = false, last = false;
  std::vector<std::int32_t> s;
  std::vector<std::uint8_t> lv;
  int idx = 0;
  // ---- inputs ----
  bool in_valid = false;  // the Q.K lanes' score beat is valid (set after their comb())
  // ---- combinational ----
  bool final_lane = false, take = false, in_ready = false, out_last = false;
  std::int32_t out_s = 0;

  Serializer(sc_core::sc_module_name n, int qk_lanes) : sc_core::sc_module(n), lanes_(qk_lanes) {}

  // `out_ready`: the softmax unit takes a score this cycle if one is offered.
  void comb(bool out_ready) {
    final_lane = !(valid && idx + 1 < lanes_ && lv[idx + 1]);
    take = valid && out_ready;
    in_ready = !valid || (final_lane && take);
    out_last = last && final_lane;
    out_s = valid ? s[idx] : 0;
  }
  bool in_fire() const { return in_valid && in_ready; }
  // `in`: the Q.K lanes' output beat as it was before their edge.
  void edge(const QkLanes::Beat& in) {
    if (in_fire()) {
      valid = true;
      s = in.s;
      lv = in.lv;
      last = in.last;
      idx = 0;
    } else if (take) {
      if (final_lane) valid = false;
      else ++idx;
    }
  }

 private:
  const int lanes_;
};

}  // namespace sinkattn::sim
