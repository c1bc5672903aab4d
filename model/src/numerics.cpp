#include "sinkattn/numerics.hpp"

#include <algorithm>

namespace sinkattn::num {

std::uint32_t softmax_row(const std::int32_t* scores, int n, std::uint32_t mant, int shift, std::uint32_t* probs) {
  // An empty row (a read list with no token: no sinks, no window and nothing kept) has no
  // probabilities; its maximum is 0, so the row's output is zero. Without this the maximum and
  // the reciprocal of a zero sum would be undefined.
  if (n <= 0) return 0;
  const std::int32_t smax = *std::max_element(scores, scores + n);
  std::uint64_t z = 0;
  for (int j = 0; j < n; ++j) {
    const std::uint64_t diff = static_cast<std::uint64_t>(static_cast<std::int64_t>(smax) - scores[j]);
    probs[j] = exp2_neg(logit_distance(diff, mant, shift));
    z += probs[j];
  }
  const Reciprocal r = reciprocal(z);
  for (int j = 0; j < n; ++j) probs[j] = normalize(probs[j], r);
  return normalize(kExpOne, r);  // the row maximum has distance 0, hence exp2 = 1
}

}  // namespace sinkattn::num
