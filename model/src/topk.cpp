#include "sinkattn/topk.hpp"

namespace sinkattn {

TopkStats topk_select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr, std::vector<std::uint8_t>& keep) {
  const std::size_t n = scores.size();
  TopkStats stats;
  keep.assign(n, 0);
  if (k <= 0) return stats;
  if (static_cast<std::size_t>(k) >= n) {
    keep.assign(n, 1);
    return stats;
  }
  // Quick-select for the k-th largest value. `rank` is its rank within the candidates.
  std::vector<std::uint64_t> cand(scores), above, below;
  std::size_t rank = static_cast<std::size_t>(k);
  std::uint64_t threshold = 0;
  for (;;) {
    ++stats.passes;
    stats.elements += cand.size();
    const std::uint64_t pivot = cand[lfsr.next() % cand.size()];
    above.clear();
    below.clear();
    std::size_t equal = 0;
    for (const std::uint64_t v : cand) {
      if (v > pivot) above.push_back(v);
      else if (v < pivot) below.push_back(v);
      else ++equal;
    }
    if (rank <= above.size()) {
      cand.swap(above);
    } else if (rank <= above.size() + equal) {
      threshold = pivot;
      break;
    } else {
      rank -= above.size() + equal;
      cand.swap(below);
    }
  }
  // Final pass in stream (index) order: everything above the threshold, then the first ties.
  std::size_t greater = 0;
  for (const std::uint64_t v : scores) greater += v > threshold;
  std::size_t ties_left = static_cast<std::size_t>(k) - greater;
  for (std::size_t i = 0; i < n; ++i) {
    if (scores[i] > threshold) keep[i] = 1;
    else if (scores[i] == threshold && ties_left > 0) keep[i] = 1, --ties_left;
  }
  return stats;
}

}  // namespace sinkattn
