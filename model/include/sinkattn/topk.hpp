// The top-k engine as the hardware does it: quick-select with a pivot from a seeded LFSR,
// then a final pass in index order. The golden model, and later the RTL and SystemC models,
// use this one description, so they agree on the set and on the pass structure.
#pragma once

#include <cstdint>
#include <vector>

namespace sinkattn {

// 16-bit Galois LFSR, x^16 + x^14 + x^13 + x^11 + 1 (taps 0xB400); never zero.
class Lfsr16 {
 public:
  explicit Lfsr16(std::uint16_t seed) : state_(seed ? seed : 1) {}
  std::uint16_t next() {
    const bool out = state_ & 1u;
    state_ = static_cast<std::uint16_t>(state_ >> 1);
    if (out) state_ ^= 0xB400u;
    return state_;
  }
  std::uint16_t state() const { return state_; }

 private:
  std::uint16_t state_;
};

// What one selection did, for the latency models: each pass streams `elements` candidates
// through the P comparators.
struct TopkStats {
  int passes = 0;                 // quick-select partition passes
  std::uint64_t elements = 0;     // candidates streamed over all partition passes
};

// Keeps the k largest of `scores` (n = scores.size()): every score above the k-th largest
// value, then ties at that value by lowest position. Writes keep[i] = 1 for kept positions.
// k <= 0 keeps nothing; k >= n keeps everything. Pivot of each pass: candidate number
// (lfsr.next() mod count) of the current candidate list, in stream order.
TopkStats topk_select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr, std::vector<std::uint8_t>& keep);

}  // namespace sinkattn
