// The HLS kernel: the accelerator's datapath for one job, i.e. one decode step, layer and KV
// head: every active query head of the KV head's group attends the group's read list.
//
//   for each active row h of the group          (JOB_ROWS; the RTL runs rows one after another)
//     Q.K over the list, MSB-only keys if progressive quantization is on   (qk.hpp, QK_TILES)
//     softmax with the generated exp2 and reciprocal tables               (softmax.hpp)
//     if the row's maximum probability < tau: refetch the key LSB plane,
//       Q.K with full keys and softmax again                              (the PQ decision)
//     P.V and output rounding, sum |out| into the head's importance       (pv.hpp, PV_TILES)
//     probabilities of the non-sink entries into the token importance     (IMP_UPDATE)
//
// The control around it (which tokens are alive, sinks, window, head pruning, when to evict)
// is the caller's; the top-k engine used for eviction and head pruning is topk.hpp.
//
// Static sizes come from CONFIG_T (a generated sinkattn::params struct); runtime sizes (list
// length, group size) are arguments bounded by them. Elements past the trace's head dimension
// must be zero in q and v.
#pragma once

#include "sinkattn/hls/pv.hpp"
#include "sinkattn/hls/qk.hpp"
#include "sinkattn/hls/softmax.hpp"
#include "sinkattn/hls/topk.hpp"
#include "sinkattn/hls/types.hpp"

namespace sinkattn::hls {

// Scalar arguments of one job (a register block on the accelerator's command interface).
struct JobArgs {
  int tokens = 0;          // n: entries of the read list, 1 .. MaxTokens
  int sinks = 0;           // leading entries of the list that are sink tokens (never ranked)
  int heads = 0;           // query heads of the group, 1 .. MaxQHeads
  bool msb_first = false;  // progressive quantization on
  prob_t tau_fx = 0;       // refetch when the row's maximum probability is below this
};

template <class CONFIG_T>
void attention_job(const JobArgs& args,
                   const data_t q[Dims<CONFIG_T>::kMaxHeads][Dims<CONFIG_T>::kHeadDim],
                   const std::uint32_t scale_mant[Dims<CONFIG_T>::kMaxHeads],
                   const std::uint8_t scale_shift[Dims<CONFIG_T>::kMaxHeads],
                   const bool active[Dims<CONFIG_T>::kMaxHeads],
                   const token_t list[Dims<CONFIG_T>::kMaxTokens],
                   const key_msb_t k_msb[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim],
                   const key_lsb_t k_lsb[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim],
                   const data_t v[Dims<CONFIG_T>::kMaxTokens][Dims<CONFIG_T>::kHeadDim],
                   imp_t token_importance[Dims<CONFIG_T>::kMaxTokens],
                   imp_t head_importance[Dims<CONFIG_T>::kMaxHeads],
                   out_t out[Dims<CONFIG_T>::kMaxHeads][Dims<CONFIG_T>::kHeadDim],
                   bool refetched[Dims<CONFIG_T>::kMaxHeads]) {
  using D = Dims<CONFIG_T>;
  [[maybe_unused]] constexpr int kQkLanes = D::kQkLanes;  // named for the pragmas
  [[maybe_unused]] constexpr int kPvLanes = D::kPvLanes;
  // The K/V tile is banked by lane so that each lane reads one key (value) per cycle; a row of
  // the tile is one HeadDim-wide word.
#pragma HLS ARRAY_PARTITION variable = k_msb cyclic factor = kQkLanes dim = 1
#pragma HLS ARRAY_PARTITION variable = k_lsb cyclic factor = kQkLanes dim = 1
#pragma HLS ARRAY_PARTITION variable = k_msb complete dim = 2
#pragma HLS ARRAY_PARTITION variable = k_lsb complete dim = 2
#pragma HLS ARRAY_PARTITION variable = v cyclic factor = kPvLanes dim = 1
#pragma HLS ARRAY_PARTITION variable = v complete dim = 2
#pragma HLS ARRAY_PARTITION variable = q complete dim = 2
  score_t scores[D::kMaxTokens];
  prob_t probs[D::kMaxTokens];
#pragma HLS ARRAY_PARTITION variable = scores cyclic factor = kQkLanes
#pragma HLS ARRAY_PARTITION variable = probs cyclic factor = kPvLanes
  const int n = args.tokens;
JOB_ROWS:
  for (int h = 0; h < D::kMaxHeads; ++h) {
    if (h >= args.heads) break;
    refetched[h] = false;
    if (!active[h]) continue;  // pruned: no compute, no importance, output left alone
    const std::uint32_t mant = scale_mant[h];
    const int shift = scale_shift[h];
    if (args.msb_first) {
      qk_row<CONFIG_T, false>(q[h], k_msb, k_lsb, n, scores);
      const prob_t pmax = softmax_row<CONFIG_T>(scores, n, mant, shift, probs);
      if (pmax < args.tau_fx) {  // too flat for MSB-only keys: refetch the LSB plane, recompute
        refetched[h] = true;
        qk_row<CONFIG_T, true>(q[h], k_msb, k_lsb, n, scores);
        softmax_row<CONFIG_T>(scores, n, mant, shift, probs);
      }
    } else {
      qk_row<CONFIG_T, true>(q[h], k_msb, k_lsb, n, scores);
      softmax_row<CONFIG_T>(scores, n, mant, shift, probs);
    }
    head_importance[h] += pv_row<CONFIG_T>(probs, v, n, out[h]);
  IMP_UPDATE:
    for (int i = 0; i < D::kMaxTokens; ++i) {
#pragma HLS PIPELINE II = 1
#pragma HLS DEPENDENCE variable = token_importance inter false
      if (i >= n) break;
      if (i >= args.sinks) token_importance[list[i]] += probs[i];  // list entries are distinct
    }
  }
}

}  // namespace sinkattn::hls
