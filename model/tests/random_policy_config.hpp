// Random but valid policy configurations for property tests (test_golden, test_stream; testbench/cosim/random_config.hpp draws whole hardware cases).
#pragma once

#include <random>
#include <string>

#include "sinkattn/config.hpp"

namespace sinkattn::testing {

// A random but valid configuration: every policy knob drawn, small budgets so eviction bites.
inline Config random_config(std::mt19937_64& rng, const Shape& shape) {
  Config c = load_config("sinkattn");
  PolicyConfig& p = c.policy;
  p.sinks = static_cast<int>(rng() % 6);
  p.window = static_cast<int>(rng() % 12);
  p.default_head_policy = static_cast<HeadPolicy>(rng() % 3);
  p.map.clear();
  p.retrieval_ratio = 0;
  if (rng() % 2) {
    for (int l = 0; l < shape.layers; ++l) {
      std::string row;
      for (int g = 0; g < shape.kv_heads; ++g) row += "RST"[rng() % 3];
      p.map.push_back(row);
    }
  }
  p.granularity = static_cast<Granularity>(rng() % 2);
  p.cascade = rng() % 2;
  p.budget.schedule = BudgetSchedule::kRamp;
  p.budget.tokens = static_cast<int>(rng() % 20);
  p.budget.min_tokens = static_cast<int>(rng() % (p.budget.tokens + 1));
  p.budget.unpruned_frac = (rng() % 5) / 4.0;
  p.head_pruning = rng() % 2;
  p.head_warmup_steps = static_cast<int>(rng() % 6);
  p.head_min_keep_frac = 0.25 + (rng() % 4) / 4.0;
  p.head_unpruned_frac = (rng() % 3) / 3.0;
  p.progressive_quant = rng() % 2;
  p.tau = 0.02 + (rng() % 40) / 100.0;
  return c;
}

inline std::string describe(const Config& c) {
  const PolicyConfig& p = c.policy;
  std::string m;
  for (const auto& r : p.map) m += r + "/";
  return "S=" + std::to_string(p.sinks) + " W=" + std::to_string(p.window) + " default=" + to_string(p.default_head_policy) +
         " map=" + m + " gran=" + std::to_string(int(p.granularity)) + " cascade=" + std::to_string(p.cascade) +
         " K=" + std::to_string(p.budget.tokens) + "->" + std::to_string(p.budget.min_tokens) +
         " heads=" + std::to_string(p.head_pruning) + " pq=" + std::to_string(p.progressive_quant);
}

}  // namespace sinkattn::testing
