#include "sinkattn/topk.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sinkattn {

TopkStats topk_select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr, std::vector<std::uint8_t>& keep,
                      std::vector<TopkPass>* passes) {
  const std::size_t n = scores.size();
  TopkStats stats;
  keep.assign(n, 0);
  if (passes) passes->clear();
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
    const std::uint32_t drawn = topk_draw(lfsr, static_cast<std::uint32_t>(cand.size()));
    const std::size_t at = drawn % cand.size();
    const std::uint64_t pivot = cand[at];
    above.clear();
    below.clear();
    std::size_t equal = 0;
    for (const std::uint64_t v : cand) {
      if (v > pivot) above.push_back(v);
      else if (v < pivot) below.push_back(v);
      else ++equal;
    }
    TopkSide side = TopkSide::Threshold;
    const std::size_t count = cand.size();
    if (rank <= above.size()) {
      side = TopkSide::Above;
      cand.swap(above);
    } else if (rank <= above.size() + equal) {
      threshold = pivot;
    } else {
      side = TopkSide::Below;
      rank -= above.size() + equal;
      cand.swap(below);
    }
    if (passes)
      passes->push_back({static_cast<std::uint32_t>(count), static_cast<std::uint32_t>(at), drawn, pivot, side});
    if (side == TopkSide::Threshold) break;
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

// ---------------------------------------------------------------------------------------------
// Engine timing: rtl/topk_engine_latency.md, section "Formula".
// ---------------------------------------------------------------------------------------------
namespace {

long bit_length(std::uint32_t v) {
  long b = 0;
  while (v) ++b, v >>= 1;
  return b;
}

long beats(long len, int p) { return (len + p - 1) / p; }

[[noreturn]] void bad_trace(const std::string& why) {
  throw std::invalid_argument("topk_engine_timing: " + why);
}

// len0 of pass 2: the first pass compares the scores at positions < E = min(n, (PB+1)*P)
// after loading and the later ones as they arrive, so the side it keeps is stored as two
// segments, the early positions first. len1 = the rest of pass 2's candidates.
std::uint32_t early_segment(const std::vector<std::uint64_t>& scores, const TopkPass& first, int p) {
  const std::size_t pb = first.pivot / static_cast<std::size_t>(p);
  const std::size_t end = std::min(scores.size(), (pb + 1) * static_cast<std::size_t>(p));
  std::uint32_t len0 = 0;
  for (std::size_t i = 0; i < end; ++i)
    len0 += first.kept == TopkSide::Above ? scores[i] > first.pivot_value : scores[i] < first.pivot_value;
  return len0;
}

// The partition passes with their segments and pass_o cycles, starting from T_in.
std::vector<TopkEnginePass> engine_passes(const std::vector<std::uint64_t>& scores, const std::vector<TopkPass>& passes,
                                          long last_in, int p, int mod_steps) {
  std::vector<TopkEnginePass> out;
  for (std::size_t j = 0; j < passes.size(); ++j) {
    const TopkPass& t = passes[j];
    TopkEnginePass e{t.count, t.pivot, t.lfsr, t.count, 0, 0};
    if (j == 0) {
      e.cycle = last_in + static_cast<long>(t.pivot / static_cast<std::uint32_t>(p)) + 3;  // T_1 = T_in + PB + 3
    } else {
      if (j == 1) {
        e.len0 = early_segment(scores, passes[0], p);
        if (e.len0 > t.count) bad_trace("pass 2 has fewer candidates than pass 1 kept");
        e.len1 = t.count - e.len0;
      }
      e.cycle = out.back().cycle + topk_mod_cycles(t.count, mod_steps) + beats(e.len0, p) + beats(e.len1, p) + 1;
    }
    out.push_back(e);
  }
  return out;
}

// T_out: the final pass emits row r's kept indices one per cycle (an empty row costs a cycle)
// and stops after the last row with a kept index. -1 if nothing is kept.
long last_output(const std::vector<std::uint8_t>& keep, long final_start, int p) {
  const long n = static_cast<long>(keep.size());
  long emit = 0, last = -1;
  for (long r = 0; r < beats(n, p); ++r) {
    long kept = 0;
    for (long i = r * p; i < std::min(n, (r + 1) * p); ++i) kept += keep[i];
    emit += std::max(1L, kept);
    if (kept > 0) last = final_start + 1 + emit;
  }
  return last;
}

}  // namespace

long topk_mod_cycles(std::uint32_t count, int mod_steps) {
  // Restoring division of a B-bit L by c needs B + 1 - bitlen(c) steps, ModSteps per cycle
  // (B = topk_draw_bits(c): the leading quotient bits that are zero for c are skipped).
  return (topk_draw_bits(count) + 1 - bit_length(count) + mod_steps - 1) / mod_steps;
}

TopkTiming topk_engine_timing(const std::vector<std::uint64_t>& scores, int k, const std::vector<std::uint8_t>& keep,
                              const std::vector<TopkPass>& passes, int p, int mod_steps) {
  if (p < 1 || mod_steps < 1) bad_trace("P and ModSteps must be >= 1");
  if (keep.size() != scores.size()) bad_trace("keep and scores differ in length");
  TopkTiming t;
  const long n = static_cast<long>(scores.size());
  if (n == 0) {
    t.done = 1;
    return t;
  }
  const bool select = k > 0 && k < n;
  if (select != !passes.empty()) bad_trace("partition passes exactly when 0 < k < n");
  if (select && (passes[0].count != scores.size() || passes.back().kept != TopkSide::Threshold))
    bad_trace("the trace does not start with all scores or does not end at the threshold");
  // The modulo for the first pivot runs before loading: the pivot must be known before its beat passes.
  t.last_in = (select ? topk_mod_cycles(static_cast<std::uint32_t>(n), mod_steps) : 0) + beats(n, p);
  if (k <= 0) {
    t.done = t.last_in + 1;
    return t;
  }
  long final_start = t.last_in;  // keep all: the final pass starts right after the last beat
  if (select) {
    t.passes = engine_passes(scores, passes, t.last_in, p, mod_steps);
    t.decide = t.passes.back().cycle;
    final_start = t.decide;
  }
  t.last_out = last_output(keep, final_start, p);
  t.done = t.last_out + 1;
  return t;
}

}  // namespace sinkattn
