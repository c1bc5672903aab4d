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
// Groups of g rows of n scores each, retired token-major (a row alone is a group of one).
constexpr std::uint64_t softmax_group_first_out(std::uint64_t n, std::uint64_t g) { return (g + 1) * n + 9; }
constexpr std::uint64_t softmax_group_cycles(std::uint64_t n, std::uint64_t g, std::uint64_t groups) {
  return (g * (groups + 1) + 1) * n + 6 * ((groups + 1) / 2) + 3;
}

// P.V lanes: rows of `beats` input beats, head_dim / out_lanes output beats each.
constexpr std::uint64_t pv_first_out_after_last_in() { return 2; }
constexpr std::uint64_t pv_cycles(std::uint64_t beats, std::uint64_t rows, int head_dim, int out_lanes) {
  const std::uint64_t d = static_cast<std::uint64_t>(head_dim / out_lanes);
  return beats + 1 + d + (rows - 1) * std::max(beats, d);
}
// P.V lanes: groups of g rows, one beat per token (n beats), g * head_dim / out_lanes output beats.
// A group's rows 1 .. g-1 leave from its accumulators, which take the next group's first beat
// only as the last of them moves (a group of one: as a row).
constexpr std::uint64_t pv_group_cycles(std::uint64_t beats, std::uint64_t g, std::uint64_t groups, int head_dim,
                                        int out_lanes) {
  const std::uint64_t d = static_cast<std::uint64_t>(head_dim / out_lanes);
  const std::uint64_t period = g == 1 ? std::max(beats, d) : (g - 1) * d + std::max(beats - 1, d);
  return beats + 1 + g * d + (groups - 1) * period;
}

}  // namespace sinkattn::latency
