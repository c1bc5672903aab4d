// The golden model at its boundaries: prompt 0 and 1, more sinks than tokens, a row whose
// maximum probability equals tau exactly, and a layer large enough to take the parallel path.
// Every row is also recomputed from docs/numerics.md (row_check.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <string>

#include "config_refs.hpp"
#include "row_check.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"

namespace sinkattn {
namespace {

// duo as its hash fallback (config_refs.hpp): these traces are not the duo preset's pattern's shape.
constexpr const char* kPresets[] = {"dense", "streamingllm", "h2o", "spatten", "duo_hash", "sinkattn"};

FloatTrace synthetic(Shape shape, std::uint64_t seed, int sinks) {
  SynthParams p;
  p.shape = shape;
  p.sinks = sinks;
  p.sink_mass = sinks ? p.sink_mass : 0;
  p.heavy = std::min(4, std::max(0, shape.prompt - sinks));
  p.heavy_mass = p.heavy ? p.heavy_mass : 0;
  p.recency_span = 8;
  p.seed = seed;
  return make_synthetic_trace(p);
}

GoldenResult run(const Config& cfg, const IntTrace& it) {
  GoldenOptions opt;
  opt.record_keep = true;
  return run_golden(cfg, make_plan(cfg, it.shape, "edge"), it, opt);
}

std::uint8_t keep_at(const GoldenResult& r, int st, int l, int g, int j) {
  const Shape& s = r.shape;
  return r.keep[((static_cast<std::size_t>(st) * s.layers + l) * s.kv_heads + g) * s.tokens + j];
}

// Prompt 0: the first decode step attends token 0 alone. Prompt 1: token 0 is the prompt.
TEST(GoldenEdges, PromptZeroAndOne) {
  for (int prompt : {0, 1}) {
    const IntTrace it = quantize_trace(synthetic({2, 4, 2, 16, 40, prompt}, 3 + prompt, 0));
    for (const char* name : kPresets) {
      Config cfg = load_config(testing::config_ref(name));
      cfg.policy.window = std::min(cfg.policy.window, 6);
      cfg.policy.budget.tokens = std::min(cfg.policy.budget.tokens, 5);
      cfg.policy.budget.min_tokens = std::min(cfg.policy.budget.min_tokens, 5);
      cfg.policy.head_warmup_steps = std::min(cfg.policy.head_warmup_steps, 2);
      const std::string what = std::string(name) + " prompt " + std::to_string(prompt);
      const GoldenResult r = run(cfg, it);
      testing::check_rows_against_spec(cfg, it, r, what);
      const Shape& s = it.shape;
      ASSERT_EQ(r.counters.rows + r.counters.pruned_rows, static_cast<std::uint64_t>(s.steps()) * s.layers * s.q_heads) << what;
      for (int l = 0; l < s.layers; ++l)
        for (int g = 0; g < s.kv_heads; ++g) {
          if (!r.row_active[r.row_index(0, l, g * s.group())]) continue;
          // Step 0 reads tokens 0..prompt, all of them: nothing can have been evicted yet.
          for (int j = 0; j < s.tokens; ++j)
            EXPECT_EQ(keep_at(r, 0, l, g, j), j <= prompt) << what << " layer " << l << " head " << g << " token " << j;
        }
    }
  }
}

// Sinks beyond the trace's length: every token is a sink, all read from the sink SRAM, nothing
// from DRAM, nothing ranked or evicted.
TEST(GoldenEdges, MoreSinksThanTokens) {
  const IntTrace it = quantize_trace(synthetic({2, 4, 2, 16, 6, 2}, 5, 0));
  Config cfg = load_config("sinkattn");
  cfg.policy.sinks = 8;
  cfg.policy.window = 2;
  cfg.policy.budget.tokens = cfg.policy.budget.min_tokens = 1;
  ASSERT_GE(cfg.hw.sink_sram_tokens, cfg.policy.sinks);
  const GoldenResult r = run(cfg, it);
  testing::check_rows_against_spec(cfg, it, r, "sinks 8, tokens 6");
  const Shape& s = it.shape;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g)
        for (int j = 0; j < s.tokens; ++j)
          EXPECT_EQ(keep_at(r, st, l, g, j), j <= s.prompt + st) << "step " << st << " token " << j;
  EXPECT_EQ(r.counters.sram_sink_hits, r.counters.token_reads);
  EXPECT_EQ(r.counters.dram_bytes(), 0u);
  EXPECT_EQ(r.counters.evictions, 0u);
  EXPECT_EQ(r.counters.importance_updates, 0u);
}

// A uniform row of four tokens (q = 0): Z = 4 * 2^15, so m = 17 and the reciprocal index is 0,
// RECIP[0] = round(2^16 * 2048 / 2049) = 65504 (65503.97...), and
// p_max = (2^15 * 65504 + 2^17) >> 18 = 8188 (8188.5 floored). tau_fx = 8188 does not refetch
// (the rule is p_max < tau_fx); tau_fx = 8189 does.
TEST(GoldenEdges, MaxProbabilityEqualToTau) {
  FloatTrace ft;
  ft.shape = {1, 1, 1, 16, 4, 3};  // one decode step over tokens 0..3
  const std::size_t n = static_cast<std::size_t>(ft.shape.tokens) * ft.shape.head_dim;
  ft.q.assign(n, 0.0f);
  ft.k.resize(n);
  ft.v.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    ft.k[i] = static_cast<float>((i * 37) % 101) - 50.0f;
    ft.v[i] = static_cast<float>((i * 53) % 97) - 48.0f;
  }
  const IntTrace it = quantize_trace(ft);
  Config cfg = load_config("sinkattn");
  cfg.policy.sinks = 0;
  cfg.policy.default_head_policy = HeadPolicy::kRetrieval;
  cfg.policy.map.clear();
  cfg.policy.retrieval_ratio = 0;
  cfg.policy.head_pruning = false;
  cfg.policy.progressive_quant = true;
  for (const auto& [tau_fx, refetches] : {std::pair{8187, 0}, {8188, 0}, {8189, 1}}) {
    cfg.policy.tau = tau_fx / 32768.0;
    ASSERT_EQ(tau_fixed(cfg.policy.tau), static_cast<std::uint32_t>(tau_fx));
    const GoldenResult r = run(cfg, it);
    EXPECT_EQ(r.counters.rows, 1u);
    EXPECT_EQ(r.counters.lsb_refetches, static_cast<std::uint64_t>(refetches)) << "tau_fx " << tau_fx;
    testing::check_rows_against_spec(cfg, it, r, "tau_fx " + std::to_string(tau_fx));
  }
}

// A layer of at least 2^20 MACs runs its rows in parallel (golden.cpp, kParallelMinMacs): 64
// rows per layer here, 8 query heads over 2 KV heads of D = 128 and 600+ kept tokens, so
// 2 * 4 * 128 * 2 * 601 = 1.23M MACs. The parallel run must equal the serial one and the spec.
TEST(GoldenEdges, ParallelPathEqualsSerialAndSpec) {
  const IntTrace it = quantize_trace(synthetic({2, 8, 2, 128, 616, 600}, 9, 4));
  Config cfg = load_config("sinkattn");
  cfg.policy.default_head_policy = HeadPolicy::kRetrieval;  // every token read: the large layer
  cfg.policy.map.clear();
  cfg.policy.retrieval_ratio = 0;
  cfg.policy.tau = 0.3;  // many rows refetch, inside the parallel region
  cfg.policy.head_unpruned_frac = 0;  // head pruning acts in both layers
  cfg.policy.head_min_keep_frac = 0.5;
  cfg.policy.head_warmup_steps = 4;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const GoldenResult serial = run(cfg, it);
  omp_set_num_threads(4);
  const GoldenResult parallel = run(cfg, it);
  omp_set_num_threads(threads);
  const std::uint64_t layers = static_cast<std::uint64_t>(it.shape.steps()) * it.shape.layers;
  EXPECT_EQ(parallel.parallel_layers, layers) << "every layer should have taken the parallel path";
  EXPECT_EQ(parallel.max_threads, 4);
  EXPECT_EQ(serial.max_threads, 1);
  EXPECT_EQ(parallel.out, serial.out);
  EXPECT_EQ(parallel.keep, serial.keep);
  EXPECT_EQ(parallel.row_active, serial.row_active);
  EXPECT_EQ(parallel.counters.lsb_refetches, serial.counters.lsb_refetches);
  EXPECT_EQ(parallel.counters.dram_bytes(), serial.counters.dram_bytes());
  EXPECT_GT(parallel.counters.lsb_refetches, 0u);
  EXPECT_GT(parallel.counters.pruned_rows, 0u) << "head pruning should act on the parallel path too";
  testing::check_rows_against_spec(cfg, it, parallel, "parallel");
}

}  // namespace
}  // namespace sinkattn
