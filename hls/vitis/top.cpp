// Synthesis tops for an HLS tool: the kernel instantiated with one preset's generated traits
// (SINKATTN_HLS_PRESET, default the default preset `sinkattn`; the header is
// build/generated/include/sinkattn/params/<preset>.hpp). Two tops, one per hardware block group:
//   sinkattn_job   one job's datapath (Q.K, softmax, PQ decision and refetch, P.V, importance)
//   sinkattn_topk  the top-k engine (eviction and head pruning)
// Interfaces: the K/V tile, the list and the importance store are memories beside the kernel
// (BRAM ports, as the RTL's store banks are); the scalars are an AXI-Lite register block.
#include "sinkattn/hls/job.hpp"

#ifndef SINKATTN_HLS_PRESET
#define SINKATTN_HLS_PRESET sinkattn
#endif
#define SINKATTN_STR2(x) #x
#define SINKATTN_STR(x) SINKATTN_STR2(x)
#include SINKATTN_STR(sinkattn/params/SINKATTN_HLS_PRESET.hpp)

namespace {
using Cfg = sinkattn::params::SINKATTN_HLS_PRESET;
using D = sinkattn::hls::Dims<Cfg>;
}  // namespace

using namespace sinkattn::hls;

void sinkattn_job(const JobArgs& args, const data_t q[D::kMaxHeads][D::kHeadDim],
                  const std::uint32_t scale_mant[D::kMaxHeads], const std::uint8_t scale_shift[D::kMaxHeads],
                  const bool active[D::kMaxHeads], const token_t list[D::kMaxTokens],
                  const key_msb_t k_msb[D::kMaxTokens][D::kHeadDim], const key_lsb_t k_lsb[D::kMaxTokens][D::kHeadDim],
                  const data_t v[D::kMaxTokens][D::kHeadDim], imp_t token_importance[D::kMaxTokens],
                  imp_t head_importance[D::kMaxHeads], out_t out[D::kMaxHeads][D::kHeadDim],
                  bool refetched[D::kMaxHeads]) {
#pragma HLS INTERFACE s_axilite port = args
#pragma HLS INTERFACE s_axilite port = return
#pragma HLS INTERFACE bram port = k_msb
#pragma HLS INTERFACE bram port = k_lsb
#pragma HLS INTERFACE bram port = v
#pragma HLS INTERFACE bram port = list
#pragma HLS INTERFACE bram port = token_importance
  attention_job<Cfg>(args, q, scale_mant, scale_shift, active, list, k_msb, k_lsb, v, token_importance,
                     head_importance, out, refetched);
}

TopkCounts sinkattn_topk(const imp_t scores[D::kMaxCandidates], int n, int k, lfsr_t& lfsr,
                         bool keep[D::kMaxCandidates]) {
#pragma HLS INTERFACE s_axilite port = n
#pragma HLS INTERFACE s_axilite port = k
#pragma HLS INTERFACE s_axilite port = return
#pragma HLS INTERFACE bram port = scores
#pragma HLS INTERFACE bram port = keep
  return topk_select<Cfg>(scores, n, k, lfsr, keep);
}
