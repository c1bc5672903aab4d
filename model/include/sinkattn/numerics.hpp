// The integer primitives of the numeric contract (docs/numerics.md). Every implementation of
// the accelerator (golden model, SystemC, RTL harness checks, HLS kernel) calls or mirrors these.
#pragma once

#include <cstdint>
#include <limits>

#include "sinkattn/numerics_gen.hpp"

namespace sinkattn::num {

// Scores q.k accumulate in int32: |q_d k_d| <= DataMax^2, so D up to this bound cannot overflow.
inline constexpr int kMaxHeadDim = [] {
  int d = 1;
  while (static_cast<long long>(kDataMax) * kDataMax * (2LL * d) <= std::numeric_limits<std::int32_t>::max()) d *= 2;
  return d;
}();

// The key a first (MSB-only) pass sees: LSB field replaced by its midpoint, 1000b.
// Clearing the field with a mask, not (k >> n) << n: shifting a negative value left is undefined
// in C++17 (UBSan, test_numerics); the mask gives the same bits.
inline std::int32_t key_msb_approx(std::int32_t k) {
  return (k & ~((1 << kKeyLsbBits) - 1)) | (1 << (kKeyLsbBits - 1));
}
// Signed MSB field and unsigned LSB field of a stored key: k = msb * 2^lsb_bits + lsb.
inline std::int32_t key_msb(std::int32_t k) { return k >> kKeyLsbBits; }
inline std::int32_t key_lsb(std::int32_t k) { return k & ((1 << kKeyLsbBits) - 1); }

// Base-2 logit distance of a score below the row maximum, with kLogitFracBits fraction bits:
// d = round((s_max - s) * mant * 2^-shift * 2^F). `diff` = s_max - s >= 0.
inline std::uint64_t logit_distance(std::uint64_t diff, std::uint32_t mant, int shift) {
  const int sh = shift - kLogitFracBits;  // >= 1, guaranteed by the scale's range
  return (diff * mant + (1ULL << (sh - 1))) >> sh;
}

// 2^(-d / 2^F) as unsigned with kExpOutBits-1 fraction bits: table for the fraction, shift for
// the integer part; distances of kExpOutBits or more octaves give 0.
inline std::uint32_t exp2_neg(std::uint64_t d) {
  const std::uint64_t octave = d >> kLogitFracBits;
  if (octave > static_cast<std::uint64_t>(kExpShiftMax)) return 0;
  return kExp2Lut[d & ((1u << kLogitFracBits) - 1)] >> octave;
}

// One reciprocal per row: 1/z ~= mant * 2^-(lead + kRecipOutBits), lead = floor(log2 z).
struct Reciprocal {
  std::uint32_t mant;
  int lead;
};
inline Reciprocal reciprocal(std::uint64_t z) {  // z >= kExpOne (the row max contributes 2^0)
  const int lead = 63 - __builtin_clzll(z);
  const std::uint64_t index = (z >> (lead - kRecipLutBits)) & ((1u << kRecipLutBits) - 1);
  return {kRecipLut[index], lead};
}

// p = e / z in Q1.kProbFracBits, rounded half up.
inline std::uint32_t normalize(std::uint32_t e, Reciprocal r) {
  const int sh = r.lead + kRecipOutBits - kProbFracBits;
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(e) * r.mant + (1ULL << (sh - 1))) >> sh);
}

// Output element from the P.V accumulator (probability units times V units): keep
// kOutFracBits fraction bits, round half up, saturate to kOutBits signed.
inline std::int32_t output_round(std::int64_t acc) {
  constexpr int sh = kProbFracBits - kOutFracBits;
  constexpr std::int64_t hi = (1LL << (kOutBits - 1)) - 1, lo = -(1LL << (kOutBits - 1));
  const std::int64_t v = (acc + (1LL << (sh - 1))) >> sh;
  return static_cast<std::int32_t>(v > hi ? hi : v < lo ? lo : v);
}

// One softmax row over n integer scores. Writes n probabilities and returns the row's
// maximum probability (the progressive-quantization decision reads it).
std::uint32_t softmax_row(const std::int32_t* scores, int n, std::uint32_t mant, int shift, std::uint32_t* probs);

}  // namespace sinkattn::num
