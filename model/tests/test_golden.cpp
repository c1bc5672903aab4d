// Properties of the integer policy engine, and independent references for two presets.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "sinkattn/config.hpp"
#include "sinkattn/digest.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/synth.hpp"
#include "config_refs.hpp"
#include "random_policy_config.hpp"
#include "row_check.hpp"
#include "spec_reference.hpp"
#include "synthetic_traces.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

using testing::describe;
using testing::random_config;

FloatTrace small_trace(std::uint64_t seed, Shape shape = {3, 4, 2, 16, 96, 40}) {
  return testing::synthetic_trace(seed, shape);
}

struct Case {
  Config cfg;
  Plan plan;
  IntTrace it;
  GoldenResult res;
};

Case run(const Config& cfg, const FloatTrace& ft) {
  Case r{cfg, make_plan(cfg, ft.shape, "test"), quantize_trace(ft), {}};
  GoldenOptions opt;
  opt.record_keep = true;
  r.res = run_golden(r.cfg, r.plan, r.it, opt);
  return r;
}

std::uint8_t keep_at(const GoldenResult& r, int s, int l, int g, int j) {
  const Shape& sh = r.shape;
  return r.keep[((static_cast<std::size_t>(s) * sh.layers + l) * sh.kv_heads + g) * sh.tokens + j];
}
bool group_active(const GoldenResult& r, int s, int l, int g) {
  for (int h = g * r.shape.group(); h < (g + 1) * r.shape.group(); ++h)
    if (r.row_active[r.row_index(s, l, h)]) return true;
  return false;
}

// Sinks are never evicted, the window is always read, nothing beyond t is read, alive sets are
// nested across layers (cascade) and an evicted token never comes back.
void check_structure(const Case& r, const std::string& what) {
  const Shape& s = r.res.shape;
  const PolicyConfig& p = r.cfg.policy;
  for (int st = 0; st < s.steps(); ++st) {
    const int t = s.prompt + st;
    const int mid_end = std::max(p.sinks, t - p.window + 1);
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g) {
        if (!group_active(r.res, st, l, g)) {
          for (int j = 0; j < s.tokens; ++j) ASSERT_EQ(keep_at(r.res, st, l, g, j), 0) << what;
          continue;
        }
        for (int j = 0; j < std::min(p.sinks, t + 1); ++j) ASSERT_EQ(keep_at(r.res, st, l, g, j), 1) << what << " sink " << j;
        for (int j = std::max(0, t - p.window + 1); j <= t; ++j)
          ASSERT_EQ(keep_at(r.res, st, l, g, j), 1) << what << " window token " << j << " step " << t;
        for (int j = t + 1; j < s.tokens; ++j) ASSERT_EQ(keep_at(r.res, st, l, g, j), 0) << what << " future " << j;
        if (r.plan.policy(l, g) != HeadPolicy::kTopk) continue;
        for (int j = p.sinks; j < mid_end; ++j) {
          const bool kept = keep_at(r.res, st, l, g, j);
          // Nested over layers: a middle token read at l+1 was read at l (topk heads, cascade).
          if (p.cascade && l + 1 < s.layers && r.plan.policy(l + 1, g) == HeadPolicy::kTopk &&
              group_active(r.res, st, l + 1, g) && keep_at(r.res, st, l + 1, g, j)) {
            ASSERT_TRUE(kept) << what << " step " << t << " layer " << l << " token " << j << " not nested";
          }
          // Never returns: a middle token not read at this step is not read at any later step.
          for (int st2 = st + 1; !kept && st2 < s.steps(); ++st2) {
            if (group_active(r.res, st2, l, g)) {
              ASSERT_EQ(keep_at(r.res, st2, l, g, j), 0) << what << " token " << j << " came back at step " << s.prompt + st2;
            }
          }
        }
        // The budget bounds the middle: at most K_l + 1 (attend, then evict), except at the first step.
        if (st > 0) {
          int middle = 0;
          for (int j = p.sinks; j < mid_end; ++j) middle += keep_at(r.res, st, l, g, j);
          ASSERT_LE(middle, r.plan.budget[l] + 1) << what << " step " << t << " layer " << l;
        }
      }
  }
}

// Counters agree with the keep masks: only kept tokens are read and computed.
void check_counters(const Case& r, const std::string& what) {
  const Shape& s = r.res.shape;
  const Counters& c = r.res.counters;
  const TokenBytes tb = token_bytes(s.head_dim);
  const std::uint64_t key = r.cfg.policy.progressive_quant ? tb.key_msb : tb.key_full;
  std::uint64_t reads = 0, sinks = 0, dram = 0, macs_min = 0;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g) {
        std::uint64_t n = 0, ns = 0;
        for (int j = 0; j < s.tokens; ++j) {
          n += keep_at(r.res, st, l, g, j);
          ns += keep_at(r.res, st, l, g, j) && j < r.cfg.policy.sinks;
        }
        reads += n, sinks += ns, dram += (n - ns) * (key + tb.value);
        for (int h = g * s.group(); h < (g + 1) * s.group(); ++h)
          if (r.res.row_active[r.res.row_index(st, l, h)]) macs_min += 2 * n * s.head_dim;
      }
  EXPECT_EQ(c.token_reads, reads) << what;
  EXPECT_EQ(c.sram_sink_hits, sinks) << what;
  EXPECT_EQ(c.dram_window + c.dram_middle, dram) << what;
  EXPECT_GE(c.macs, macs_min) << what;
  EXPECT_EQ(c.macs == macs_min, c.lsb_refetches == 0) << what;
  if (!r.cfg.policy.progressive_quant) {
    EXPECT_EQ(c.lsb_refetches, 0u);
  }
}

TEST(Golden, RandomConfigurationsKeepEveryStructuralRule) {
  const std::uint64_t seed = testing::test_seed(1123);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    const FloatTrace ft = small_trace(seed + trial);
    const Config cfg = random_config(rng, ft.shape);
    const std::string what = "seed " + std::to_string(seed) + " trial " + std::to_string(trial) + " " + describe(cfg);
    const Case r = run(cfg, ft);
    check_structure(r, what);
    check_counters(r, what);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Golden, PresetsKeepEveryStructuralRule) {
  const FloatTrace ft = small_trace(9, {4, 8, 2, 32, 300, 150});
  for (const char* name : {"dense", "streamingllm", "h2o", "spatten", "duo_hash", "sinkattn"}) {  // duo_hash: config_refs.hpp
    Config c = load_config(testing::config_ref(name));
    if (c.policy.budget.tokens > 32) c.policy.budget.tokens = 32, c.policy.budget.min_tokens = 16;  // make eviction bite
    const Case r = run(c, ft);
    check_structure(r, name);
    check_counters(r, name);
  }
}

TEST(Golden, StreamingLlmKeepsExactlySinksAndWindow) {
  const FloatTrace ft = small_trace(3);
  const Config c = load_config("streamingllm");
  Config small = c;
  small.policy.window = 10;
  const Case r = run(small, ft);
  const Shape& s = r.res.shape;
  for (int st = 0; st < s.steps(); ++st) {
    const int t = s.prompt + st;
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g)
        for (int j = 0; j < s.tokens; ++j) {
          const bool expect = j <= t && (j < 4 || j > t - 10);
          ASSERT_EQ(keep_at(r.res, st, l, g, j), expect) << "step " << t << " layer " << l << " head " << g << " token " << j;
        }
  }
  EXPECT_EQ(r.res.counters.evictions, 0u);
  EXPECT_GT(r.res.counters.sram_sink_hits, 0u);
}

// H2O written out plainly: every (layer, KV head) keeps its own cache of heavy hitters plus the
// recent window, attends it, adds the probabilities its query heads give each token, and then
// drops the lowest-scored middle tokens (ties: the higher index goes) down to the budget. The
// probabilities come from docs/numerics.md as spec_reference.hpp writes it (not the model's
// softmax), and each is checked against a softmax in double within the documented bound. With
// `prefill`, H2O's own order: every prompt row i (over tokens 0..i, full keys) first adds its
// probabilities to the scores, and the cache is cut to the budget before the first decode step.
struct H2oReference {
  std::vector<std::int16_t> out;
  std::vector<std::uint8_t> keep;  // [steps, L, Hkv, T]
  int tie_evictions = 0;           // evictions the tie rule decided
};

H2oReference h2o_reference(const IntTrace& it, int W, int K, bool prefill) {
  const Shape& s = it.shape;
  H2oReference ref;
  ref.out.assign(static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads * s.head_dim, 0);
  ref.keep.assign(static_cast<std::size_t>(s.steps()) * s.layers * s.kv_heads * s.tokens, 0);
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g) {
      std::map<int, std::uint64_t> score;  // token -> accumulated probability
      std::set<int> heavy;                 // middle tokens still cached
      int next = 0;                        // first token that has not left the window
      auto evict = [&] {
        while (static_cast<int>(heavy.size()) > K) {
          // The lowest score goes; among equal lowest scores, the highest index.
          int victim = -1;
          for (int j : heavy)
            if (victim < 0 || score[j] <= score[victim]) victim = j;
          bool tie = false;
          for (int j : heavy) tie |= j != victim && score[j] == score[victim];
          ref.tie_evictions += tie;
          heavy.erase(victim);
        }
      };
      if (prefill) {
        for (int i = 0; i < s.prompt; ++i)
          for (int h = g * s.group(); h < (g + 1) * s.group(); ++h) {
            std::vector<std::int64_t> sc;
            for (int j = 0; j <= i; ++j) {
              std::int64_t a = 0;
              for (int d = 0; d < s.head_dim; ++d) a += it.q_prompt_row(l, h, i)[d] * it.k_row(l, g, j)[d];
              sc.push_back(a);
            }
            const ScoreScale ss = it.score_scale[l * s.q_heads + h];
            const spec::Row row = spec::softmax(sc, ss.mant, ss.shift);
            for (int j = 0; j <= i; ++j) score[j] += row.p[j];
          }
        for (; next <= s.prompt - 1 - W; ++next) heavy.insert(next);  // out of the window at step P - 1
        evict();
      }
      for (int t = s.prompt; t < s.tokens; ++t) {
        const int st = t - s.prompt;
        for (; next <= t - W; ++next) heavy.insert(next);  // left the window
        std::vector<int> kept(heavy.begin(), heavy.end());
        for (int j = std::max(0, t - W + 1); j <= t; ++j) kept.push_back(j);
        for (int j : kept) ref.keep[((static_cast<std::size_t>(st) * s.layers + l) * s.kv_heads + g) * s.tokens + j] = 1;
        for (int h = g * s.group(); h < (g + 1) * s.group(); ++h) {
          std::vector<std::int64_t> sc;
          for (int j : kept) {
            std::int64_t a = 0;
            for (int d = 0; d < s.head_dim; ++d) a += it.q_row(l, h, t)[d] * it.k_row(l, g, j)[d];
            sc.push_back(a);
          }
          const ScoreScale ss = it.score_scale[l * s.q_heads + h];
          const spec::Row row = spec::softmax(sc, ss.mant, ss.shift);
          // docs/numerics.md: |p / 2^15 - p_true| <= 2^-8 p_true + 2^-14, with the rounded C.
          const double c = std::ldexp(static_cast<double>(ss.mant), -ss.shift);
          const double smax = static_cast<double>(*std::max_element(sc.begin(), sc.end()));
          double z = 0;
          for (std::int64_t x : sc) z += std::exp2((static_cast<double>(x) - smax) * c);
          for (std::size_t i = 0; i < sc.size(); ++i) {
            const double p_true = std::exp2((static_cast<double>(sc[i]) - smax) * c) / z;
            EXPECT_NEAR(row.p[i] / 32768.0, p_true, std::ldexp(p_true, -8) + std::ldexp(1.0, -14));
          }
          std::vector<const std::int16_t*> v;
          for (int j : kept) v.push_back(it.v_row(l, g, j));
          for (int d = 0; d < s.head_dim; ++d)
            ref.out[((static_cast<std::size_t>(st) * s.layers + l) * s.q_heads + h) * s.head_dim + d] = spec::output(row.p, v, d);
          for (std::size_t i = 0; i < kept.size(); ++i) score[kept[i]] += row.p[i];
        }
        evict();
      }
    }
  return ref;
}

void expect_h2o_matches(const FloatTrace& ft, bool expect_ties, bool prefill) {
  const int W = 8, K = 12;
  Config cfg = load_config("h2o");
  cfg.policy.window = W;
  cfg.policy.budget.tokens = cfg.policy.budget.min_tokens = K;
  cfg.policy.prefill_importance = prefill;
  const Case r = run(cfg, ft);
  ASSERT_EQ(r.res.prefill_importance, prefill);
  const H2oReference ref = h2o_reference(r.it, W, K, prefill);
  if (expect_ties) {
    EXPECT_GT(ref.tie_evictions, 0) << "the trace should make the tie rule decide";
  }
  for (std::size_t i = 0; i < ref.keep.size(); ++i)
    ASSERT_EQ(r.res.keep[i], ref.keep[i]) << "first keep-mask difference at flat index " << i << " (token "
                                          << i % ft.shape.tokens << ")";
  for (std::size_t i = 0; i < ref.out.size(); ++i)
    ASSERT_EQ(r.res.out[i], ref.out[i]) << "first difference at flat index " << i << " (row " << i / ft.shape.head_dim << ")";
}

TEST(Golden, H2oMatchesAPlainPerHeadReference) {
  for (bool prefill : {true, false}) {
    SCOPED_TRACE(prefill ? "prefill importance" : "decode rows only");
    expect_h2o_matches(small_trace(21, {3, 4, 2, 16, 120, 50}), false, prefill);
  }
}

// Every key of a (layer, KV head) the same vector: every row is uniform, so tokens that joined
// the cache together carry equal scores and the tie rule picks what is evicted.
TEST(Golden, H2oMatchesThePlainReferenceWhenTiesDecide) {
  FloatTrace ft = small_trace(22, {2, 4, 2, 16, 80, 40});
  const Shape& s = ft.shape;
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g)
      for (int t = 1; t < s.tokens; ++t)
        std::copy_n(ft.k_row(l, g, 0), s.head_dim, &ft.k[ft.offset(s.kv_heads, l, g, t)]);
  // Ties decide with decode rows only. The prefill's uniform causal rows give token j the score
  // sum over i >= j of 1/(i+1), strictly falling in j, which breaks them; the sets must still match.
  for (bool prefill : {true, false}) {
    SCOPED_TRACE(prefill ? "prefill importance" : "decode rows only");
    expect_h2o_matches(ft, !prefill, prefill);
  }
}

TEST(Golden, DenseIntegerOutputWithinDocumentedErrorOfFloat) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const FloatTrace ft = small_trace(seed, {2, 4, 2, 64, 256, 128});
    const Case r = run(load_config("dense"), ft);
    const Fidelity f = measure_fidelity(ft, r.it, r.res);
    // docs/numerics.md, "Accuracy of the integer path": cosine >= 0.9995, relative error <= 3%.
    EXPECT_GE(f.cosine_min, 0.9995) << "seed " << seed;
    EXPECT_LE(f.max_rel_err, 0.03) << "seed " << seed;
    EXPECT_NEAR(f.mass_recall_mean, 1.0, 1e-9);
  }
}

// A sweep computes the float reference once per workload and scores every point against the
// stored rows: the figures must be those of the streamed reference, bit for bit.
TEST(Golden, FidelityFromStoredReferenceRowsEqualsStreamed) {
  for (std::uint64_t seed : {4, 5}) {
    const FloatTrace ft = small_trace(seed);
    const ReferenceRows ref = compute_reference_rows(ft);
    for (const char* preset : {"sinkattn", "h2o", "streamingllm"}) {
      // Small windows and budgets, so that the 96-token trace loses tokens.
      const Case r = run(load_config(preset, {{"policy.window", "8", "test"},
                                              {"policy.heavy_hitters.budget.tokens", "8", "test"},
                                              {"policy.heavy_hitters.budget.min_tokens", "8", "test"}}),
                         ft);
      const Fidelity a = measure_fidelity(ft, r.it, r.res), b = measure_fidelity(ref, r.it, r.res);
      EXPECT_EQ(a.cosine_mean, b.cosine_mean) << preset << " seed " << seed;
      EXPECT_EQ(a.cosine_min, b.cosine_min) << preset << " seed " << seed;
      EXPECT_EQ(a.max_rel_err, b.max_rel_err) << preset << " seed " << seed;
      EXPECT_EQ(a.mass_recall_mean, b.mass_recall_mean) << preset << " seed " << seed;
      EXPECT_LT(a.mass_recall_mean, 1.0) << preset;  // the policy dropped something to compare
    }
  }
}

TEST(Golden, RefetchesEqualRowsWhoseMsbPassMaxIsBelowTau) {
  const FloatTrace ft = small_trace(5);
  for (double tau : {0.05, 0.2, 0.5, 1.0}) {
    Config c = load_config("sinkattn");
    c.policy.tau = tau;
    const Case r = run(c, ft);
    const IntTrace& it = r.it;
    const Shape& s = it.shape;
    std::uint64_t expect = 0;
    for (int st = 0; st < s.steps(); ++st)
      for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.q_heads; ++h) {
          if (!r.res.row_active[r.res.row_index(st, l, h)]) continue;
          const int g = h / s.group(), t = s.prompt + st;
          std::vector<std::int32_t> sc;
          for (int j = 0; j < s.tokens; ++j)
            if (keep_at(r.res, st, l, g, j)) {
              std::int32_t a = 0;
              for (int d = 0; d < s.head_dim; ++d) a += it.q_row(l, h, t)[d] * num::key_msb_approx(it.k_row(l, g, j)[d]);
              sc.push_back(a);
            }
          std::vector<std::uint32_t> p(sc.size());
          const ScoreScale ss = it.score_scale[l * s.q_heads + h];
          expect += num::softmax_row(sc.data(), static_cast<int>(sc.size()), ss.mant, ss.shift, p.data()) < tau_fixed(tau);
        }
    EXPECT_EQ(r.res.counters.lsb_refetches, expect) << "tau " << tau;
    if (tau == 1.0) {
      EXPECT_EQ(r.res.counters.lsb_refetches, r.res.counters.rows);
    }
  }
}

// tau = 1 refetches every row: each output must be the full-precision row of docs/numerics.md
// over the kept tokens. A tau below every maximum refetches none: each output is the MSB-key
// row. The two differ somewhere, so neither check passes with the other's keys.
TEST(Golden, RefetchedRowsUseFullKeysAndOthersMsbKeys) {
  const FloatTrace ft = small_trace(8);
  Config pq = load_config("sinkattn");
  pq.policy.progressive_quant = true;
  pq.policy.tau = 1.0;
  const Case all = run(pq, ft);
  const testing::RowCheck a = testing::check_rows_against_spec(pq, all.it, all.res, "tau 1");
  EXPECT_EQ(a.refetched, a.rows);
  pq.policy.tau = 1e-9;  // tau_fx = 1: no row is that flat
  const Case none = run(pq, ft);
  const testing::RowCheck b = testing::check_rows_against_spec(pq, none.it, none.res, "tau 1e-9");
  EXPECT_EQ(b.refetched, 0u);
  EXPECT_NE(all.res.out, none.res.out) << "MSB-only and full keys should give different outputs on this trace";
}

TEST(Golden, HeadPruningIsNestedAndZeroesPrunedRows) {
  const FloatTrace ft = small_trace(4, {4, 8, 4, 16, 96, 40});
  Config c = load_config("spatten");
  c.policy.head_min_keep_frac = 0.5;
  c.policy.head_warmup_steps = 3;
  const Case r = run(c, ft);
  const Shape& s = r.res.shape;
  EXPECT_GT(r.res.counters.pruned_rows, 0u);
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l) {
      int active = 0;
      for (int h = 0; h < s.q_heads; ++h) {
        const bool a = r.res.row_active[r.res.row_index(st, l, h)];
        active += a;
        if (!a) {
          for (int d = 0; d < s.head_dim; ++d) ASSERT_EQ(r.res.out[r.res.row_index(st, l, h) * s.head_dim + d], 0);
          if (l + 1 < s.layers) {
            ASSERT_FALSE(r.res.row_active[r.res.row_index(st, l + 1, h)]) << "layer nesting";
          }
          if (st + 1 < s.steps()) {
            ASSERT_FALSE(r.res.row_active[r.res.row_index(st + 1, l, h)]) << "came back";
          }
        }
      }
      if (st >= c.policy.head_warmup_steps) {
        ASSERT_LE(active, r.plan.heads_keep[l]);
      }
      else ASSERT_EQ(active, s.q_heads) << "pruned during warm-up";
    }
}

TEST(Golden, SameResultWithAnyThreadCount) {
  const FloatTrace ft = small_trace(6, {3, 8, 2, 32, 200, 80});
  const Config c = load_config("sinkattn");
  omp_set_num_threads(1);
  const Case a = run(c, ft);
  omp_set_num_threads(4);
  const Case b = run(c, ft);
  EXPECT_EQ(sha256_hex(a.res.out.data(), a.res.out.size() * 2), sha256_hex(b.res.out.data(), b.res.out.size() * 2));
  EXPECT_EQ(a.res.keep, b.res.keep);
  EXPECT_EQ(a.res.counters.dram_bytes(), b.res.counters.dram_bytes());
  EXPECT_EQ(a.res.counters.lsb_refetches, b.res.counters.lsb_refetches);
}

TEST(Golden, DenseReadsEverythingAndSetsTheDenseBaseline) {
  const FloatTrace ft = small_trace(2);
  const Case r = run(load_config("dense"), ft);
  EXPECT_EQ(r.res.counters.dram_bytes(), r.res.dense_dram_bytes);
  EXPECT_EQ(r.res.counters.sram_sink_hits, 0u);
  const Case sink = run(load_config("sinkattn"), ft);
  EXPECT_LT(sink.res.counters.dram_bytes(), sink.res.dense_dram_bytes);
  EXPECT_EQ(sink.res.dense_dram_bytes, r.res.dense_dram_bytes);
}

}  // namespace
}  // namespace sinkattn
