// Cycle formulas of the RTL datapath blocks (rtl/datapath_latency.md), in one place: the RTL
// harnesses check the Verilated blocks against them cycle for cycle, and the SystemC model
// waits exactly these many cycles where a block is busy. The top-k engine's formula depends
// on the selection's pass structure and lives beside topk_select (sinkattn/topk.hpp).
#pragma once

#include <algorithm>
#include <cstdint>

namespace sinkattn::latency {

constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }
constexpr int ceil_log2(std::uint64_t v) { return v <= 1 ? 0 : 1 + ceil_log2((v + 1) / 2); }

// Q.K lanes: a key beat taken in cycle t has its scores valid in cycle t + qk_latency.
constexpr std::uint64_t qk_latency(int head_dim, int levels_per_stage) {
  return 1 + ceil_div(static_cast<std::uint64_t>(ceil_log2(head_dim)), static_cast<std::uint64_t>(levels_per_stage));
}
// `beats` key beats (of any number of rows, back to back): first beat taken to last score.
constexpr std::uint64_t qk_cycles(std::uint64_t beats, int head_dim, int levels_per_stage) {
  return beats + qk_latency(head_dim, levels_per_stage);
}

// Softmax unit, rows of n scores.
constexpr std::uint64_t softmax_first_out(std::uint64_t n) { return 2 * n + 9; }  // first score -> first probability
constexpr std::uint64_t softmax_cycles(std::uint64_t n, std::uint64_t rows) {  // first score -> last probability
  return (rows + 2) * n + 6 * ((rows + 1) / 2) + 3;
}
// Groups of g rows of n scores each, retired token-major, a token of every row a cycle (a row
// alone is a group of one).
constexpr std::uint64_t softmax_group_first_out(std::uint64_t n, std::uint64_t g) { return (g + 1) * n + 9; }
// First score -> last probability of `groups` groups back to back, from the engines' rules
// (rtl/datapath_latency.md, "Groups"): IN takes a row's n scores once its score bank is free
// (the row two before has finished EXP); EXP starts a row once its scores are in, the previous
// row's EXP is done and, for a group's first row, its exp slot is free (OUT has issued the last
// token of the group two before); OUT starts a group 7 cycles after its last row's last EXP issue
// and after the previous group, issues a token a cycle, and each probability leaves 3 cycles
// after its issue. For g = 1 this is softmax_cycles.
constexpr std::uint64_t softmax_group_cycles(std::uint64_t n, std::uint64_t g, std::uint64_t groups) {
  std::uint64_t in_prev = 0, exp_prev = 0, exp_prev2 = 0;  // IN and EXP starts of the last two rows
  std::uint64_t out_end = 0, out_end_prev = 0;             // OUT's last issue of the last two groups
  std::uint64_t row = 0;
  for (std::uint64_t k = 0; k < groups; ++k) {
    for (std::uint64_t r = 0; r < g; ++r, ++row) {
      std::uint64_t in = 0, ex = 0;
      if (row >= 1) in = in_prev + n;
      if (row >= 2) in = std::max(in, exp_prev2 + n);
      ex = in + n;
      if (row >= 1) ex = std::max(ex, exp_prev + n);
      if (r == 0 && k >= 2) ex = std::max(ex, out_end_prev + 1);
      in_prev = in;
      exp_prev2 = exp_prev;
      exp_prev = ex;
    }
    std::uint64_t out = exp_prev + n + 6;
    if (k >= 1) out = std::max(out, out_end + 1);
    out_end_prev = out_end;
    out_end = out + n - 1;
  }
  return out_end + 3 + 1;
}
// Groups of one are rows: the recurrence and the rows' closed form agree (checked at compile time).
constexpr bool softmax_group_of_one_is_a_row() {
  for (std::uint64_t n = 1; n <= 40; ++n)
    for (std::uint64_t r = 1; r <= 6; ++r)
      if (softmax_group_cycles(n, 1, r) != softmax_cycles(n, r)) return false;
  return true;
}
static_assert(softmax_group_of_one_is_a_row(), "softmax_group_cycles at g = 1 differs from softmax_cycles");

// P.V lanes: groups of g rows, one beat per token (n beats), g * head_dim / out_lanes output beats.
// A group's rows 1 .. g-1 leave from its accumulators, which take the next group's first beat
// only as the last of them moves; a group of one row runs at the larger of its beats and its
// output beats.
constexpr std::uint64_t pv_first_out_after_last_in() { return 2; }
constexpr std::uint64_t pv_group_cycles(std::uint64_t beats, std::uint64_t g, std::uint64_t groups, int head_dim,
                                        int out_lanes) {
  const std::uint64_t d = static_cast<std::uint64_t>(head_dim / out_lanes);
  const std::uint64_t period = g == 1 ? std::max(beats, d) : (g - 1) * d + std::max(beats - 1, d);
  return beats + 1 + g * d + (groups - 1) * period;
}

}  // namespace sinkattn::latency
