// The on-chip capacity the policy needs (issue #12, "capacity that follows the policy"): a top-k
// list never holds more alive middle tokens than its layer's budget plus the one token that just
// left the window, so a store kept per alive slot needs budget + 1 words for the middle (plus
// the window's W, whose tokens gather importance before they join it). The one exception is the
// first decode step of a run without the prefill eviction pass, when the prompt's whole middle
// joins at once.
//
// Checked on the golden model's read lists (GoldenOptions::record_keep), for every top-k job of
// every step: the presets that rank tokens, and seeded random variations of them (budget
// schedules, window, sinks, cascade, granularity, prefill importance on and off).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"
#include "synthetic_traces.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

struct Worst {
  int jobs = 0;          // top-k jobs checked
  int at_bound = 0;      // jobs whose middle was exactly budget + 1
  int first_step_over = 0;  // first-step jobs over the bound (allowed without the prefill pass)
};

// Every top-k job of `r`: middle tokens read <= budget(l) + 1. Returns what it saw.
Worst check_middle_bound(const Config& cfg, const Plan& plan, const GoldenResult& r, const std::string& what) {
  const Shape& s = r.shape;
  const int S = cfg.policy.sinks, W = cfg.policy.window;
  Worst w;
  for (int st = 0; st < s.steps(); ++st) {
    const int t = s.prompt + st;
    const int mid_end = std::max(S, t + 1 - W);
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g) {
        if (plan.policy(l, g) != HeadPolicy::kTopk) continue;
        int middle = 0;
        for (int j = S; j < mid_end; ++j)
          middle += r.keep[((static_cast<std::size_t>(st) * s.layers + l) * s.kv_heads + g) * s.tokens + j];
        ++w.jobs;
        const int bound = plan.budget[static_cast<std::size_t>(l)] + 1;
        if (middle == bound) ++w.at_bound;
        if (middle > bound) {
          if (st == 0 && !r.prefill_importance) {
            ++w.first_step_over;
            continue;
          }
          ADD_FAILURE() << what << ": step " << st << " (token " << t << "), layer " << l << ", KV head " << g
                        << " reads " << middle << " middle tokens, more than budget " << bound - 1 << " + 1";
          return w;
        }
      }
  }
  return w;
}

GoldenResult run(const Config& cfg, const Plan& plan, const IntTrace& it) {
  GoldenOptions opt;
  opt.record_keep = true;
  return run_golden(cfg, plan, it, opt);
}

TEST(Capacity, TopkPresetsNeverHoldMoreThanBudgetPlusOne) {
  const IntTrace it = quantize_trace(testing::synthetic_trace(7, {3, 4, 2, 32, 96, 40}));
  for (const char* name : {"h2o", "spatten", "sinkattn"}) {
    Config cfg = load_config(name);
    cfg.policy.window = std::min(cfg.policy.window, 12);
    cfg.policy.budget.tokens = std::min(cfg.policy.budget.tokens, 16);
    cfg.policy.budget.min_tokens = std::min(cfg.policy.budget.min_tokens, 8);
    cfg.policy.budget.per_layer.clear();
    const Plan plan = make_plan(cfg, it.shape, "capacity");
    const Worst w = check_middle_bound(cfg, plan, run(cfg, plan, it), name);
    EXPECT_GT(w.jobs, 0) << name;
    // The bound is reached (every step after the lists fill), so it is also tight.
    EXPECT_GT(w.at_bound, 0) << name;
  }
}

TEST(Capacity, RandomPoliciesNeverHoldMoreThanBudgetPlusOne) {
  const std::uint64_t seed = testing::test_seed(12);
  std::mt19937_64 rng(seed);
  int first_step_over = 0, at_bound = 0, jobs = 0;
  for (int c = 0; c < 40; ++c) {
    const int layers = 1 + static_cast<int>(rng() % 3), kv = 1 + static_cast<int>(rng() % 2);
    const int group = 1 + static_cast<int>(rng() % 2), prompt = 12 + static_cast<int>(rng() % 29);
    const int tokens = prompt + 4 + static_cast<int>(rng() % 30);
    const IntTrace it = quantize_trace(testing::synthetic_trace(seed + c, {layers, kv * group, kv, 16, tokens, prompt}));
    Config cfg = load_config(c % 2 ? "h2o" : "sinkattn");
    cfg.policy.sinks = static_cast<int>(rng() % 5);
    cfg.policy.window = 1 + static_cast<int>(rng() % 10);
    cfg.policy.cascade = rng() % 2;
    cfg.policy.granularity = rng() % 2 ? Granularity::kHead : Granularity::kToken;
    cfg.policy.prefill_importance = rng() % 2;
    cfg.policy.budget.schedule = rng() % 2 ? BudgetSchedule::kRamp : BudgetSchedule::kConstant;
    cfg.policy.budget.tokens = static_cast<int>(rng() % 12);
    cfg.policy.budget.min_tokens = std::min(cfg.policy.budget.tokens, static_cast<int>(rng() % 12));
    cfg.policy.budget.per_layer.clear();
    const std::string what = "seed " + std::to_string(seed) + " case " + std::to_string(c);
    const Plan plan = make_plan(cfg, it.shape, what);
    const Worst w = check_middle_bound(cfg, plan, run(cfg, plan, it), what);
    first_step_over += w.first_step_over;
    at_bound += w.at_bound;
    jobs += w.jobs;
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(jobs, 100);
  EXPECT_GT(at_bound, 10);
  // Without the prefill pass the prompt's middle joins at the first step, over the bound: the
  // exception is real, and a slot store must stage the prompt (or the run must use the pass).
  EXPECT_GT(first_step_over, 0);
}

}  // namespace
}  // namespace sinkattn
