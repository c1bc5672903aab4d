// Top-k engine (rtl/topk_engine.sv), SpAtten's quick-select: each partition pass streams the
// candidates through TopkParallelism comparators against a pivot chosen by a 16-bit Galois LFSR
// (x^16 + x^14 + x^13 + x^11 + 1; pivot = candidate number L mod count, in stream order, L one
// LFSR step while count < 2^16 and two steps, 32 bits, beyond: sinkattn::topk_draw),
// and zero eliminators compact the "above" and "below" streams into the next pass's candidate
// buffer, until the pivot is the k-th largest value. A final pass in index order keeps every
// score above that threshold and, of the scores equal to it, the lowest indices first.
// Used for token eviction (scores: token importance) and head pruning (head importance).
#pragma once

#include "sinkattn/hls/types.hpp"

namespace sinkattn::hls {

inline lfsr_t lfsr_next(lfsr_t s) {
  const bool out = s & 1u;
  s = static_cast<lfsr_t>(s >> 1);
  return out ? static_cast<lfsr_t>(s ^ 0xB400u) : s;
}

// The pass's draw L: one step (16 bits) under 2^16 candidates, two beyond, the first the high half.
inline std::uint32_t topk_draw(lfsr_t& lfsr, int count) {
  lfsr = lfsr_next(lfsr);
  if (count < 0x10000) return lfsr;
  const std::uint32_t high = lfsr;
  lfsr = lfsr_next(lfsr);
  return high << 16 | lfsr;
}

struct TopkCounts {
  int passes = 0;              // partition passes
  std::uint64_t elements = 0;  // candidates streamed over all partition passes
};

// keep[i] = 1 for the k largest of scores[0..n), ties by lowest index; k <= 0 keeps nothing and
// k >= n everything (no pass, the LFSR does not move). `lfsr` is the engine's state, in and out.
template <class CONFIG_T>
TopkCounts topk_select(const imp_t scores[Dims<CONFIG_T>::kMaxCandidates], int n, int k, lfsr_t& lfsr,
                       bool keep[Dims<CONFIG_T>::kMaxCandidates]) {
  using D = Dims<CONFIG_T>;
  constexpr int kP = D::kTopkParallelism;
  TopkCounts counts;
  const bool keep_all = k >= n;
TK_KEEP_INIT:
  for (int i = 0; i < D::kMaxCandidates; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    keep[i] = keep_all;
  }
  if (k <= 0 || keep_all) return counts;

  // Three candidate buffers: the current pass reads one and writes "above" and "below" into the
  // other two; the side that holds the k-th largest becomes the next pass's input.
  imp_t cand[3][D::kMaxCandidates];
#pragma HLS ARRAY_PARTITION variable = cand complete dim = 1
#pragma HLS ARRAY_PARTITION variable = cand cyclic factor = kP dim = 2
TK_LOAD:
  for (int i = 0; i < D::kMaxCandidates; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    cand[0][i] = scores[i];
  }
  int cur = 0, count = n, rank = k;
  imp_t threshold = 0;
TK_PASSES:
  for (int pass = 0; pass < D::kMaxCandidates; ++pass) {  // every pass drops the pivot at least
    ++counts.passes;
    counts.elements += static_cast<std::uint64_t>(count);
    const imp_t pivot = cand[cur][topk_draw(lfsr, count) % static_cast<std::uint32_t>(count)];
    const int above = cur == 0 ? 1 : cur == 1 ? 2 : 0;
    const int below = cur == 0 ? 2 : cur == 1 ? 0 : 1;
    int n_above = 0, n_below = 0, n_equal = 0;
  TK_PARTITION:
    for (int tile = 0; tile < D::kTopkTiles; ++tile) {
#pragma HLS PIPELINE II = 1
      if (tile * kP >= count) break;
    TK_COMPARATORS:
      for (int lane = 0; lane < kP; ++lane) {
#pragma HLS UNROLL
        const int i = tile * kP + lane;
        if (i >= count) break;
        const imp_t v = cand[cur][i];
        if (v > pivot) cand[above][n_above++] = v;  // zero eliminator: compacts the ">" stream
        else if (v < pivot) cand[below][n_below++] = v;
        else ++n_equal;
      }
    }
    if (rank <= n_above) {
      cur = above;
      count = n_above;
    } else if (rank <= n_above + n_equal) {
      threshold = pivot;
      break;
    } else {
      rank -= n_above + n_equal;
      cur = below;
      count = n_below;
    }
  }
  int greater = 0;
TK_COUNT_ABOVE:
  for (int i = 0; i < D::kMaxCandidates; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    greater += scores[i] > threshold;
  }
  int ties_left = k - greater;
TK_FINAL:
  for (int i = 0; i < D::kMaxCandidates; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    const bool tie = scores[i] == threshold && ties_left > 0;
    keep[i] = scores[i] > threshold || tie;
    ties_left -= tie;
  }
  return counts;
}

}  // namespace sinkattn::hls
