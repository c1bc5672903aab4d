// Q.K lanes (rtl/qk_lanes.sv): QkLanes keys per cycle, each a HeadDim-wide dot product through
// an adder tree. The MSB pass sees every key's LSB field as its midpoint (1000b); the full pass
// reads the LSB plane, which is what the progressive-quantization refetch brings in.
#pragma once

#include "sinkattn/hls/types.hpp"

namespace sinkattn::hls {

// The key the lanes multiply: msb * 2^lsb_bits + lsb, with lsb the midpoint on the MSB pass.
template <bool kFull>
inline score_t key_value(key_msb_t msb, key_lsb_t lsb) {
  constexpr score_t kMid = score_t{1} << (num::kKeyLsbBits - 1);
  return static_cast<score_t>(msb) * (score_t{1} << num::kKeyLsbBits) + (kFull ? static_cast<score_t>(lsb) : kMid);
}

// One lane: q . k over the whole HeadDim (elements past the trace's D are zero in q).
template <class CONFIG_T, bool kFull>
score_t qk_dot(const data_t q[Dims<CONFIG_T>::kHeadDim], const key_msb_t k_msb[Dims<CONFIG_T>::kHeadDim],
               const key_lsb_t k_lsb[Dims<CONFIG_T>::kHeadDim]) {
  score_t acc = 0;
QK_ADDER_TREE:
  for (int e = 0; e < Dims<CONFIG_T>::kHeadDim; ++e) {
#pragma HLS UNROLL
    acc += static_cast<score_t>(q[e]) * key_value<kFull>(k_msb[e], kFull ? k_lsb[e] : key_lsb_t{0});
  }
  return acc;
}

// Scores of one query row over the n keys of the read list, QkLanes keys per cycle.
template <class CONFIG_T, bool kFull>
void qk_row(const data_t q[Dims<CONFIG_T>::kHeadDim],
            const key_msb_t k_msb[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim],
            const key_lsb_t k_lsb[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim], int n,
            score_t scores[Dims<CONFIG_T>::kMaxTokens]) {
  using D = Dims<CONFIG_T>;
  constexpr int kLanes = D::kQkLanes;
QK_TILES:
  for (int tile = 0; tile < D::kQkTiles; ++tile) {
#pragma HLS PIPELINE II = 1
    if (tile * kLanes >= n) break;
  QK_LANES:
    for (int lane = 0; lane < kLanes; ++lane) {
#pragma HLS UNROLL
      const int i = tile * kLanes + lane;
      if (i < n) scores[i] = qk_dot<CONFIG_T, kFull>(q, k_msb[i], k_lsb[i]);
    }
  }
}

}  // namespace sinkattn::hls
