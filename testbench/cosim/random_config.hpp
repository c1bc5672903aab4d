// Seeded random small configurations, traces and back-pressure for the cycle-level models'
// tests (top_tb: RTL against golden; sim_cosim_tb: SystemC against RTL and golden). One
// generator, so both suites draw the same cases from the same suite seed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>

#include "config_refs.hpp"
#include "run_types.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/synth.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::tb {

inline IntTrace small_trace(const Shape& shape, std::uint64_t seed, int sinks = 4) {
  SynthParams p;
  p.shape = shape;
  p.sinks = sinks;
  p.heavy = std::max(1, std::min(8, shape.prompt - sinks - 1));
  p.seed = seed;
  if (shape.head_dim < 16) p.recency = 0;  // the generator needs 16 dimensions for it
  return quantize_trace(make_synthetic_trace(p));
}

// A shipped preset scaled to the small test traces: window and budgets shrunk so that every
// region (sinks, window, evicted middle) is exercised within a few hundred tokens, head pruning
// warm-up shortened; the policy structure stays the preset's.
inline Config scaled_preset(const std::string& name) {
  Config cfg = load_config(testing::config_ref(name));  // a preset, or duo_hash (config_refs.hpp)
  if (cfg.policy.window > 24) cfg.policy.window = 24;
  cfg.policy.budget.tokens = std::min(cfg.policy.budget.tokens, 24);
  cfg.policy.budget.min_tokens = std::min(cfg.policy.budget.min_tokens, 16);
  cfg.policy.head_warmup_steps = std::min(cfg.policy.head_warmup_steps, 4);
  return cfg;
}

struct RandomCase {
  Config cfg;
  IntTrace trace;
  host::RunOptions opt;
  std::string what;  // one line naming the configuration
};

// Draws case number i from `rng` (the suite's stream; the case's own seed is opt.seed).
inline RandomCase random_case(std::mt19937_64& rng, int i) {
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); };
  RandomCase rc;
  const std::uint64_t cs = rng();
  Config& cfg = rc.cfg;
  cfg = load_config("base");
  PolicyConfig& p = cfg.policy;
  const int kv = pick(1, 3), group = pick(1, 3);
  const int d = 2 * pick(2, 12), prompt = pick(8, 40), steps = pick(2, 10);
  const Shape shape{pick(1, 3), kv * group, kv, d, prompt + steps, prompt};
  p.sinks = pick(0, std::min(cfg.hw.sink_sram_tokens, prompt / 2));
  p.window = pick(0, 16);
  const int pol = pick(0, 3);
  p.default_head_policy = pol == 0 ? HeadPolicy::kRetrieval : pol == 1 ? HeadPolicy::kStreaming : HeadPolicy::kTopk;
  if (pol == 3) {  // a random per-head map
    p.map.clear();
    for (int l = 0; l < shape.layers; ++l) {
      std::string row;
      for (int g = 0; g < kv; ++g) row += "RST"[pick(0, 2)];
      p.map.push_back(row);
    }
  }
  // The loader's rule: streaming heads need a sink or a window token to attend.
  const bool any_streaming = pol == 1 || (pol == 3 && std::any_of(p.map.begin(), p.map.end(), [](const std::string& row) {
                                            return row.find('S') != std::string::npos;
                                          }));
  if (any_streaming && p.sinks + p.window == 0) p.window = pick(1, 16);
  p.granularity = pick(0, 1) ? Granularity::kHead : Granularity::kToken;
  p.cascade = pick(0, 1);
  p.budget.schedule = BudgetSchedule::kConstant;
  p.budget.tokens = p.budget.min_tokens = pick(0, 12);
  if (pick(0, 1)) {
    p.budget.schedule = BudgetSchedule::kRamp;
    p.budget.min_tokens = pick(0, p.budget.tokens);
    p.budget.unpruned_frac = pick(0, 2) * 0.25;
  }
  // And make_plan's: with cascade and neither sink nor window, no layer but the last may have a
  // budget of 0 (the deeper rows would attend no token). A window token keeps the draw stream.
  const bool any_topk = pol == 2 || (pol == 3 && std::any_of(p.map.begin(), p.map.end(), [](const std::string& row) {
                                       return row.find('T') != std::string::npos;
                                     }));
  if (any_topk && p.cascade && p.sinks + p.window == 0 && p.budget.min_tokens == 0) p.window = 1;
  p.head_pruning = pick(0, 1);
  p.head_warmup_steps = pick(0, 3);
  p.head_min_keep_frac = pick(1, 4) * 0.25;
  p.head_unpruned_frac = pick(0, 2) * 0.25;
  p.progressive_quant = pick(0, 1);
  p.tau = pick(1, 6) * 0.1;
  rc.trace = small_trace(shape, cs);
  rc.opt.seed = cs;
  rc.opt.req_stall = pick(0, 5) * 0.1;
  rc.opt.resp_stall = pick(0, 5) * 0.1;
  rc.opt.row_stall = pick(0, 3) * 0.1;
  rc.opt.max_outstanding = pick(1, 64);
  if (pick(0, 3) == 0) {  // bursty back-pressure: long stalls, some above one half
    rc.opt.stall_burst = pick(2, 32);
    rc.opt.req_stall = pick(0, 3) * 0.1;
    rc.opt.resp_stall = pick(0, 3) * 0.1;
    rc.opt.row_stall = pick(0, 7) * 0.1;
  }
  std::ostringstream what;
  what << "config " << i << " (L " << shape.layers << " Hq " << shape.q_heads << " Hkv " << kv << " D " << d << " T "
       << shape.tokens << " P " << prompt << " S " << p.sinks << " W " << p.window << " policy " << pol << " K "
       << p.budget.tokens << "->" << p.budget.min_tokens << " gran " << int(p.granularity) << " cascade " << p.cascade
       << " hp " << p.head_pruning << " pq " << p.progressive_quant << " tau " << p.tau << "; stall " << rc.opt.req_stall
       << "/" << rc.opt.resp_stall << " row " << rc.opt.row_stall << " burst " << rc.opt.stall_burst << ")";
  rc.what = what.str();
  return rc;
}

}  // namespace sinkattn::tb
