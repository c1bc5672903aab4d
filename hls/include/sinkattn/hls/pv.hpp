// P.V of one row, with rtl/pv_lanes.sv's numerics: PvLanes (probability, value) pairs of the row
// per cycle into HeadDim wide accumulators, then every element rounded half up to kOutFracBits
// fraction bits and saturated to kOutBits signed. Also the row's sum |out| for head importance.
// (The RTL's lanes take one token of a group of up to PvLanes rows a cycle instead:
// docs/group_retire.md; the sums, and so the outputs, are the same.)
#pragma once

#include "sinkattn/hls/types.hpp"

namespace sinkattn::hls {

inline out_t output_round(acc_t acc) {
  constexpr int kShift = num::kProbFracBits - num::kOutFracBits;
  constexpr acc_t kHi = (acc_t{1} << (num::kOutBits - 1)) - 1, kLo = -(acc_t{1} << (num::kOutBits - 1));
  const acc_t v = (acc + (acc_t{1} << (kShift - 1))) >> kShift;
  return static_cast<out_t>(v > kHi ? kHi : v < kLo ? kLo : v);
}

// out = round(sum_i p_i v_i) over the n entries of the read list; returns sum_e |out_e| (elements
// past the trace's D are 0 because V is zero there).
template <class CONFIG_T>
imp_t pv_row(const prob_t probs[Dims<CONFIG_T>::kMaxTokens],
             const data_t v[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim], int n,
             out_t out[Dims<CONFIG_T>::kHeadDim]) {
  using D = Dims<CONFIG_T>;
  constexpr int kLanes = D::kPvLanes;
  acc_t acc[D::kHeadDim];
#pragma HLS ARRAY_PARTITION variable = acc complete
PV_CLEAR:
  for (int e = 0; e < D::kHeadDim; ++e) {
#pragma HLS UNROLL
    acc[e] = 0;
  }
PV_TILES:
  for (int tile = 0; tile < D::kPvTiles; ++tile) {
#pragma HLS PIPELINE II = 1
    if (tile * kLanes >= n) break;
  PV_LANES:
    for (int lane = 0; lane < kLanes; ++lane) {
#pragma HLS UNROLL
      const int i = tile * kLanes + lane;
      if (i >= n) break;
      const acc_t p = static_cast<acc_t>(probs[i]);
    PV_MAC:
      for (int e = 0; e < D::kHeadDim; ++e) {
#pragma HLS UNROLL
        acc[e] += p * v[i][e];
      }
    }
  }
  imp_t abs_sum = 0;
PV_OUT:
  for (int e = 0; e < D::kHeadDim; ++e) {
#pragma HLS UNROLL
    out[e] = output_round(acc[e]);
    abs_sum += static_cast<imp_t>(out[e] < 0 ? -static_cast<acc_t>(out[e]) : static_cast<acc_t>(out[e]));
  }
  return abs_sum;
}

}  // namespace sinkattn::hls
