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

// Which way a partition pass went: the candidate list of the next pass is the scores above or
// below the pivot, or the pivot is the k-th largest value (the threshold; always the last pass).
enum class TopkSide : std::uint8_t { Above, Below, Threshold };

// One partition pass of topk_select, as recorded for the latency models.
struct TopkPass {
  std::uint32_t count = 0;        // candidates of the pass, c_j
  std::uint32_t pivot = 0;        // pivot position in the candidate list (stream order), m_j
  std::uint32_t lfsr = 0;         // the pass's draw, L_j = topk_draw (m_j = L_j mod c_j)
  std::uint64_t pivot_value = 0;  // the candidate at position m_j
  TopkSide kept = TopkSide::Threshold;
};

// The pivot draw L of a partition pass over `count` candidates. One LFSR step (16 bits) while
// count < 2^16; past that two steps, the first the high half (32 bits), so that L mod count
// still reaches every candidate of a long context's list (a 16-bit L would only ever pick
// among its first 65 536). Lists under 2^16 candidates draw exactly as before.
constexpr std::uint32_t kTopkWideDrawCount = 0x10000u;
inline int topk_draw_bits(std::uint32_t count) { return count < kTopkWideDrawCount ? 16 : 32; }
inline std::uint32_t topk_draw(Lfsr16& lfsr, std::uint32_t count) {
  const std::uint32_t high = lfsr.next();
  return count < kTopkWideDrawCount ? high : (high << 16 | lfsr.next());
}

// Keeps the k largest of `scores` (n = scores.size()): every score above the k-th largest
// value, then ties at that value by lowest position. Writes keep[i] = 1 for kept positions.
// k <= 0 keeps nothing; k >= n keeps everything. Pivot of each pass: candidate number
// (topk_draw(lfsr, count) mod count) of the current candidate list, in stream order.
// If `passes` is given it is overwritten with one record per partition pass (none for
// k <= 0 or k >= n); the selection itself does not depend on it.
TopkStats topk_select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr, std::vector<std::uint8_t>& keep,
                      std::vector<TopkPass>* passes = nullptr);

// ---------------------------------------------------------------------------------------------
// Timing of the RTL engine (rtl/topk_engine.sv): the latency formula of
// rtl/topk_engine_latency.md, kept here so that the RTL harness (testbench/rtl/topk_engine_tb.cpp,
// which checks it cycle-exactly against the Verilated engine) and the SystemC model evaluate
// one and the same formula. Cycle 0 is the command handshake; no back-pressure.
// ---------------------------------------------------------------------------------------------

// One partition pass as the engine runs it: the record the RTL shows on pass_o (count =
// pass_count_o, pivot = pass_pivot_o, lfsr = lfsr_o), how the pass's candidate list is stored
// and the cycle of its pass_o pulse.
struct TopkEnginePass {
  std::uint32_t count = 0;
  std::uint32_t pivot = 0;
  std::uint32_t lfsr = 0;
  std::uint32_t len0 = 0;  // candidate list segments, len0_j and len1_j of the formula: pass 1
  std::uint32_t len1 = 0;  // streams the scores (len0 = n), pass 2 both halves of pass 1's split
  long cycle = 0;          // T_j
};

struct TopkTiming {
  long last_in = -1;   // T_in, cycle of the last input beat (-1: n = 0)
  long decide = -1;    // T_sel = T_J, cycle the threshold is known (-1: no partition pass)
  long last_out = -1;  // T_out, cycle of the last output beat (-1: nothing kept)
  long done = 0;       // cycle done_o is high
  std::vector<TopkEnginePass> passes;
  // Quick-select latency comparable with SpAtten's (loading and index output excluded).
  long select() const { return decide - last_in; }
};

// D(c): cycles of the engine's modulo unit for L mod c (c >= 1, L of topk_draw_bits(c) bits).
long topk_mod_cycles(std::uint32_t count, int mod_steps);

// The engine's timing for one selection with P score lanes and ModSteps modulo steps per cycle.
// `keep` and `passes` are what topk_select returned for the same `scores` and `k` (throws
// std::invalid_argument if the trace cannot belong to them, or if p or mod_steps < 1).
TopkTiming topk_engine_timing(const std::vector<std::uint64_t>& scores, int k, const std::vector<std::uint8_t>& keep,
                              const std::vector<TopkPass>& passes, int p, int mod_steps);

}  // namespace sinkattn
