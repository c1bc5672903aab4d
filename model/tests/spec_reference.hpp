// The integer attention row of docs/numerics.md, written again from the document for the tests'
// independent references, without the model's code (sinkattn::num::softmax_row, the golden
// engine's dot products). Only the two lookup tables are shared, and test_tables checks every
// entry of those against its exact value.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sinkattn/numerics_gen.hpp"

namespace sinkattn::spec {

struct Row {
  std::vector<std::uint32_t> p;  // Q1.15 probabilities
  std::uint32_t pmax = 0;        // the probability of a token at distance 0
};

// docs/numerics.md "Softmax", steps 1 to 7, for scores s with the constant C = mant * 2^-shift.
inline Row softmax(const std::vector<std::int64_t>& s, std::uint64_t mant, int shift) {
  using namespace sinkattn::num;
  Row r;
  if (s.empty()) return r;
  const std::int64_t smax = *std::max_element(s.begin(), s.end());
  std::vector<std::uint64_t> e(s.size());
  std::uint64_t z = 0;
  for (std::size_t j = 0; j < s.size(); ++j) {
    const std::uint64_t diff = static_cast<std::uint64_t>(smax - s[j]);
    // d = ((smax - s) * M + 2^(E-9)) >> (E-8): 8 fraction bits, round half up.
    const std::uint64_t d = (diff * mant + (1ULL << (shift - kLogitFracBits - 1))) >> (shift - kLogitFracBits);
    const std::uint64_t octave = d / (1u << kLogitFracBits), frac = d % (1u << kLogitFracBits);
    e[j] = octave > static_cast<std::uint64_t>(kExpOutBits - 1) ? 0 : kExp2Lut[frac] >> octave;
    z += e[j];
  }
  int m = 0;
  while ((z >> (m + 1)) != 0) ++m;  // leading one
  const std::uint64_t i = (z >> (m - kRecipLutBits)) % (1u << kRecipLutBits);
  const std::uint64_t rec = kRecipLut[i];
  const int sh = m + kRecipOutBits - kProbFracBits;  // m + 1 with the default widths
  for (std::uint64_t v : e) r.p.push_back(static_cast<std::uint32_t>((v * rec + (1ULL << (sh - 1))) >> sh));
  r.pmax = static_cast<std::uint32_t>((static_cast<std::uint64_t>(kExpOne) * rec + (1ULL << (sh - 1))) >> sh);
  return r;
}

// docs/numerics.md "Output": sat16((sum_j p_j v_j + 2^10) >> 11).
inline std::int16_t output(const std::vector<std::uint32_t>& p, const std::vector<const std::int16_t*>& v, int d) {
  using namespace sinkattn::num;
  std::int64_t acc = 0;
  for (std::size_t j = 0; j < p.size(); ++j) acc += static_cast<std::int64_t>(p[j]) * v[j][d];
  const int sh = kProbFracBits - kOutFracBits;
  const std::int64_t x = (acc + (1LL << (sh - 1))) >> sh;
  const std::int64_t hi = (1LL << (kOutBits - 1)) - 1;
  return static_cast<std::int16_t>(std::clamp(x, -hi - 1, hi));
}

// docs/numerics.md "Progressive quantization decision": tau_fx = max(1, round(tau * 2^15)).
inline std::uint32_t tau_fixed(double tau) {
  return static_cast<std::uint32_t>(std::max(1.0, std::floor(tau * (1 << sinkattn::num::kProbFracBits) + 0.5)));
}

// The key a first pass sees: the LSB field replaced by its midpoint 1000b.
inline std::int64_t msb_key(std::int64_t k) {
  const int lsb = sinkattn::num::kKeyLsbBits;
  return static_cast<std::int64_t>(std::floor(static_cast<double>(k) / (1 << lsb))) * (1 << lsb) + (1 << (lsb - 1));
}

}  // namespace sinkattn::spec
