// Softmax unit (rtl/softmax_unit.sv), docs/numerics.md: row maximum, base-2 logit distance,
// exp2 from the generated fraction table and a shift for the octave, a wide sum, one reciprocal
// per row from the generated reciprocal table, Q1.kProbFracBits probabilities rounded half up.
#pragma once

#include "sinkattn/hls/types.hpp"

namespace sinkattn::hls {

// Position of the leading one of z > 0: a priority encoder.
inline int leading_one(std::uint64_t z) {
  int lead = 0;
LEAD_ONE:
  for (int b = 0; b < 64; ++b) {
#pragma HLS UNROLL
    if ((z >> b) & 1u) lead = b;
  }
  return lead;
}

// exp2 of minus a distance with kLogitFracBits fraction bits: table for the fraction, shift for
// the octave; kExpShiftMax octaves or more give 0.
inline prob_t exp2_of_distance(std::uint64_t d) {
  const std::uint64_t octave = d >> num::kLogitFracBits;
  if (octave > static_cast<std::uint64_t>(num::kExpShiftMax)) return 0;
  return num::kExp2Lut[d & ((1u << num::kLogitFracBits) - 1)] >> octave;
}

// One row over n >= 1 scores; the score scale is mant * 2^-shift (log2(e)/sqrt(D) folded in).
// Writes n probabilities and returns the row's maximum probability, which the
// progressive-quantization decision compares with tau.
template <class CONFIG_T>
prob_t softmax_row(const score_t scores[Dims<CONFIG_T>::kMaxTokens], int n, std::uint32_t mant, int shift,
                   prob_t probs[Dims<CONFIG_T>::kMaxTokens]) {
  using D = Dims<CONFIG_T>;
  score_t smax = scores[0];
SM_MAX:
  for (int i = 1; i < D::kMaxTokens; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    if (scores[i] > smax) smax = scores[i];
  }
  const int dist_shift = shift - num::kLogitFracBits;  // >= 1 for every scale the contract allows
  const std::uint64_t dist_round = std::uint64_t{1} << (dist_shift - 1);
  std::uint64_t z = 0;
SM_EXP2:
  for (int i = 0; i < D::kMaxTokens; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    const std::uint64_t diff = static_cast<std::uint64_t>(static_cast<std::int64_t>(smax) - scores[i]);
    const prob_t e = exp2_of_distance((diff * mant + dist_round) >> dist_shift);
    probs[i] = e;
    z += e;
  }
  // z >= kExpOne (the row maximum contributes 2^0): 1/z ~= recip_mant * 2^-(lead + kRecipOutBits).
  const int lead = leading_one(z);
  const std::uint32_t recip_mant =
      num::kRecipLut[(z >> (lead - num::kRecipLutBits)) & ((1u << num::kRecipLutBits) - 1)];
  const int norm_shift = lead + num::kRecipOutBits - num::kProbFracBits;
  const std::uint64_t norm_round = std::uint64_t{1} << (norm_shift - 1);
SM_NORMALIZE:
  for (int i = 0; i < D::kMaxTokens; ++i) {
#pragma HLS PIPELINE II = 1
    if (i >= n) break;
    probs[i] = static_cast<prob_t>((static_cast<std::uint64_t>(probs[i]) * recip_mant + norm_round) >> norm_shift);
  }
  // The maximum has distance 0, so its exp2 is kExpOne.
  return static_cast<prob_t>((static_cast<std::uint64_t>(num::kExpOne) * recip_mant + norm_round) >> norm_shift);
}

}  // namespace sinkattn::hls
