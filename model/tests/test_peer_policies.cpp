// The presets against the peers' released eviction rules (issue #17), each written again here in
// floating point from the peer's code, independently of the model: its own softmax in double on
// the unquantized trace, its own cache bookkeeping. Nothing here calls the model's softmax,
// top-k or alive lists; the model is only run (golden, integer) and its keep masks compared.
//
// - StreamingLLM, StartRecentKVCache(start_size, recent_size) (mit-han-lab/streaming-llm,
//   streaming_llm/kv_cache.py, __call__): once the cache holds more than start_size +
//   recent_size tokens it keeps the first start_size and the last recent_size; the next token is
//   appended and attends all of them and itself.
// - H2O's real-drop cache, H2OKVCache_LayerWise(hh_size, recent_size) (FMInference/H2O,
//   h2o_hf/utils_real_drop/modify_llama.py, __call__ and _update_hh_score): every call first adds
//   the attention each cached token received from this call's query rows (summed over rows) to
//   its score, then, if the cache holds more than hh_size + recent_size tokens, keeps the last
//   recent_size tokens and the hh_size best-scored of the others. The prefill is one call whose
//   rows are the prompt's causal rows; each decode token is one call. Scores are per query head;
//   H2O's code has no rule for GQA (its mask is shaped per query head), so with GQA the reference
//   applies the project's documented extension: one cache per KV head, scores summed over its
//   group's query heads.
//
// - DuoAttention (mit-han-lab/duo-attention): see DuoKeepsWhatDuoAttentionKeeps.
//
// A keep set that differs from the reference's is a near-tie flip when the eviction that caused
// it separated scores closer than kNearTie (relative): integer probabilities (Q1.15, an 8-bit
// exp2 table) cannot order such scores as double arithmetic does. Every other difference fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"
#include "synthetic_traces.hpp"

namespace sinkattn {
namespace {

constexpr double kNearTie = 0.01;

// A flatter middle (temperature 1.5): heavy-hitter choices that are not all obvious.
FloatTrace peer_trace(std::uint64_t seed, Shape shape) { return testing::synthetic_trace(seed, shape, 1.5); }

// Softmax in double of query (l, h, t) over `tokens` of KV head g, scaled by 1/sqrt(D).
std::vector<double> softmax_row(const FloatTrace& ft, int l, int h, int t, const std::vector<int>& tokens) {
  const Shape& s = ft.shape;
  const int g = h / s.group();
  std::vector<double> x;
  for (int j : tokens) {
    double a = 0;
    for (int d = 0; d < s.head_dim; ++d) a += static_cast<double>(ft.q_row(l, h, t)[d]) * ft.k_row(l, g, j)[d];
    x.push_back(a / std::sqrt(static_cast<double>(s.head_dim)));
  }
  const double m = *std::max_element(x.begin(), x.end());
  double z = 0;
  for (double& v : x) z += (v = std::exp(v - m));
  for (double& v : x) v /= z;
  return x;
}

// What one (layer, KV head) attends at each decode step, and how close each eviction was.
struct Stream {
  std::vector<std::vector<int>> attended;  // [step]: ascending token indices
  std::vector<double> margin;              // [step]: relative score gap of the eviction that
                                           // shaped the next step's set (1 when none ran)
  double prefill_margin = 1.0;             // the same for the eviction at the end of prefill
};

// StartRecentKVCache: positional, no scores.
Stream start_recent(const Shape& s, int start_size, int recent_size) {
  Stream r;
  for (int t = s.prompt; t < s.tokens; ++t) {
    std::vector<int> cache;  // after the previous call: tokens 0..t-1, cut if too many
    if (t <= start_size + recent_size) {
      for (int j = 0; j < t; ++j) cache.push_back(j);
    } else {
      for (int j = 0; j < start_size; ++j) cache.push_back(j);
      for (int j = t - recent_size; j < t; ++j) cache.push_back(j);
    }
    cache.push_back(t);
    r.attended.push_back(cache);
    r.margin.push_back(1.0);
  }
  return r;
}

// H2OKVCache_LayerWise on (layer l, KV head g). With `prefill_scores` false the prompt's rows add
// nothing and nothing is evicted before the first decode step (the project without prefill
// importance); with true it is H2O's own order.
Stream h2o_real_drop(const FloatTrace& ft, int l, int g, int hh_size, int recent_size, bool prefill_scores) {
  const Shape& s = ft.shape;
  std::vector<double> score(s.tokens, 0.0);
  std::vector<int> cache;
  Stream r;
  // One call: score the rows' attention, then evict. Returns the eviction's relative margin.
  auto call = [&](const std::vector<int>& query_tokens) {
    for (int t : query_tokens)
      for (int h = g * s.group(); h < (g + 1) * s.group(); ++h) {
        std::vector<int> seen;  // causal: a row sees the cache and itself, nothing after it
        for (int j : cache)
          if (j <= t) seen.push_back(j);
        const std::vector<double> p = softmax_row(ft, l, h, t, seen);
        for (std::size_t i = 0; i < seen.size(); ++i) score[seen[i]] += p[i];
      }
    if (static_cast<int>(cache.size()) <= hh_size + recent_size) return 1.0;
    const std::vector<int> candidates(cache.begin(), cache.end() - recent_size);
    std::vector<int> order = candidates;  // best first; ties: the lower index
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] > score[b]; });
    const double kept_low = score[order[hh_size - 1]], dropped_high = score[order[hh_size]];
    std::set<int> keep(order.begin(), order.begin() + hh_size);
    keep.insert(cache.end() - recent_size, cache.end());
    cache.assign(keep.begin(), keep.end());
    return (kept_low - dropped_high) / std::max(kept_low, 1e-300);
  };
  for (int j = 0; j < s.prompt; ++j) cache.push_back(j);
  if (prefill_scores) {
    std::vector<int> rows(s.prompt);
    std::iota(rows.begin(), rows.end(), 0);
    r.prefill_margin = call(rows);
  }
  for (int t = s.prompt; t < s.tokens; ++t) {
    cache.push_back(t);
    r.attended.push_back(cache);
    r.margin.push_back(call({t}));
  }
  return r;
}

struct Agreement {
  long sets = 0, equal_sets = 0;  // (step, layer, KV head) keep sets up to each stream's first
                                  // difference, and those equal
  long all_sets = 0, all_equal = 0;  // every keep set, before and after a difference
  long streams = 0, equal_streams = 0, near_tie_flips = 0, disagreements = 0;
  std::string first_disagreement;
};

// Compares the model's keep masks with the reference streams. A stream is compared until its
// first difference, which is counted as a near-tie flip or a disagreement; the steps after it
// are not compared (an evicted token never comes back, so one flip changes every later set).
void compare(const GoldenResult& res, const std::vector<Stream>& ref, Agreement& a, const std::string& label) {
  const Shape& s = res.shape;
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g) {
      const Stream& st = ref[static_cast<std::size_t>(l) * s.kv_heads + g];
      ++a.streams;
      bool diverged = false;
      for (int step = 0; step < s.steps(); ++step) {
        std::vector<int> kept;
        for (int j = 0; j < s.tokens; ++j)
          if (res.keep[((static_cast<std::size_t>(step) * s.layers + l) * s.kv_heads + g) * s.tokens + j]) kept.push_back(j);
        ++a.all_sets;
        a.all_equal += kept == st.attended[step];
        if (diverged) continue;
        ++a.sets;
        if (kept == st.attended[step]) {
          ++a.equal_sets;
          continue;
        }
        diverged = true;
        const double margin = step == 0 ? st.prefill_margin : st.margin[step - 1];
        if (margin < kNearTie) {
          ++a.near_tie_flips;
        } else if (++a.disagreements == 1) {
          a.first_disagreement = label + ": layer " + std::to_string(l) + ", KV head " + std::to_string(g) +
                                 ", step " + std::to_string(s.prompt + step) + " (eviction margin " +
                                 std::to_string(margin) + ")";
        }
      }
      a.equal_streams += !diverged;
    }
}

GoldenResult run_preset(const Config& cfg, const FloatTrace& ft) {
  GoldenOptions opt;
  opt.record_keep = true;
  return run_golden(cfg, make_plan(cfg, ft.shape, "peer trace"), quantize_trace(ft), opt);
}

void print(const char* what, const Agreement& a) {
  std::printf("%s: streams (layer, KV head) equal at every step %ld / %ld, first differences: near-tie flips %ld, "
              "disagreements %ld; keep sets equal up to each stream's first difference %ld / %ld; all keep sets "
              "equal %ld / %ld (%.1f%%)\n",
              what, a.equal_streams, a.streams, a.near_tie_flips, a.disagreements, a.equal_sets, a.sets, a.all_equal,
              a.all_sets, a.all_sets ? 100.0 * a.all_equal / a.all_sets : 0.0);
}

// MHA (one KV head per query head) and GQA (groups of 2 and 4), prompts shorter and longer than
// the cache.
const std::vector<std::pair<std::uint64_t, Shape>>& cases() {
  static const std::vector<std::pair<std::uint64_t, Shape>> c = {
      {1, {2, 4, 4, 32, 112, 48}}, {2, {2, 4, 4, 32, 96, 12}},  {3, {3, 4, 4, 16, 128, 64}},
      {4, {2, 8, 4, 32, 112, 48}}, {5, {2, 8, 2, 16, 96, 40}},  {6, {2, 4, 1, 32, 96, 20}},
  };
  return c;
}

TEST(PeerPolicies, StreamingllmKeepsWhatStartRecentKVCacheKeeps) {
  Agreement a;
  for (const auto& [seed, shape] : cases())
    for (int recent_size : {0, 5, 16}) {
      const FloatTrace ft = peer_trace(seed, shape);
      Config cfg = load_config("streamingllm", {{"policy.window", std::to_string(recent_size), "test"}});
      ASSERT_EQ(cfg.policy.sinks, 4);  // start_size
      const GoldenResult res = run_preset(cfg, ft);
      const Stream ref = start_recent(ft.shape, 4, recent_size);
      compare(res, std::vector<Stream>(static_cast<std::size_t>(shape.layers) * shape.kv_heads, ref), a,
              "seed " + std::to_string(seed) + ", recent_size " + std::to_string(recent_size));
    }
  print("streamingllm vs StartRecentKVCache", a);
  EXPECT_EQ(a.equal_sets, a.sets) << a.first_disagreement;
  EXPECT_EQ(a.near_tie_flips + a.disagreements, 0);
}

// The h2o preset with H2O's hh_size (the heavy-hitter budget) and recent_size (the window);
// `prefill` false turns the prompt's scores off (policy.prefill_importance).
Config h2o_config(int hh_size, int recent_size, bool prefill = true) {
  return load_config("h2o", {{"policy.window", std::to_string(recent_size), "test"},
                             {"policy.heavy_hitters.budget.tokens", std::to_string(hh_size), "test"},
                             {"policy.heavy_hitters.budget.min_tokens", std::to_string(hh_size), "test"},
                             {"policy.prefill_importance", prefill ? "true" : "false", "test"}});
}

// The h2o preset with policy.prefill_importance off: importance from the decode rows only, the
// whole prompt read once at the first decode step and cut after it (docs/policy.md). Against
// H2O's rule with the prefill's scores left out, every keep set must agree but for near-tie flips.
TEST(PeerPolicies, H2oKeepsWhatH2OKeepsWithoutPrefillScores) {
  Agreement a;
  for (const auto& [seed, shape] : cases()) {
    const int hh_size = 8, recent_size = 8;
    const FloatTrace ft = peer_trace(seed, shape);
    const Config cfg = h2o_config(hh_size, recent_size, false);
    const GoldenResult res = run_preset(cfg, ft);
    std::vector<Stream> ref;
    for (int l = 0; l < shape.layers; ++l)
      for (int g = 0; g < shape.kv_heads; ++g) ref.push_back(h2o_real_drop(ft, l, g, hh_size, recent_size, false));
    compare(res, ref, a, "seed " + std::to_string(seed));
  }
  print("h2o vs H2OKVCache_LayerWise, prefill scores left out", a);
  EXPECT_EQ(a.disagreements, 0) << "first: " << a.first_disagreement;
  EXPECT_GT(a.equal_streams, a.streams * 3 / 4) << "near-tie flips should be rare";
}

// H2O's own order, the prompt's scores included (the preset's default, prefill importance on):
// every keep set must agree but for near-tie flips. The test also checks that the reference
// differs from the prefill-free one, so that agreeing with it means something: the prefill's
// rows change H2O's choices on these traces.
TEST(PeerPolicies, H2oKeepsWhatH2OKeepsWithPrefillScores) {
  Agreement a;
  long changed_by_prefill = 0;
  for (const auto& [seed, shape] : cases()) {
    const int hh_size = 8, recent_size = 8;
    const FloatTrace ft = peer_trace(seed, shape);
    const Config cfg = h2o_config(hh_size, recent_size);
    const GoldenResult res = run_preset(cfg, ft);
    std::vector<Stream> ref;
    for (int l = 0; l < shape.layers; ++l)
      for (int g = 0; g < shape.kv_heads; ++g) {
        ref.push_back(h2o_real_drop(ft, l, g, hh_size, recent_size, true));
        changed_by_prefill += ref.back().attended != h2o_real_drop(ft, l, g, hh_size, recent_size, false).attended;
      }
    compare(res, ref, a, "seed " + std::to_string(seed));
  }
  print("h2o vs H2OKVCache_LayerWise with prefill scores", a);
  EXPECT_GT(changed_by_prefill, 0);
  EXPECT_EQ(a.disagreements, 0) << "first: " << a.first_disagreement;
  EXPECT_GT(a.equal_streams, a.streams * 3 / 4) << "near-tie flips should be rare";
}

// DuoAttention: gates per (layer, KV head) from a head-pattern file, thresholded at the NumPy
// quantile of all gates at `sparsity` (duo_attn/utils.py, sparsify_attention_heads; written again
// here); retrieval heads keep every token, streaming heads keep sink_size + recent_size tokens
// and attend the new one on top (duo_attn/patch/static_kv_cache.py, DuoAttentionStaticKVCache:
// put, then compress back to sink_size + recent_size).
TEST(PeerPolicies, DuoKeepsWhatDuoAttentionKeeps) {
  Agreement a;
  const std::string file = (std::filesystem::temp_directory_path() /
                            ("sinkattn_duo_gates_" + std::to_string(::getpid()) + ".tsv")).string();
  for (const auto& [seed, shape] : cases())
    for (double sparsity : {0.25, 0.5, 0.75}) {
      const int sink_size = 4, recent_size = 10;
      std::mt19937_64 rng(seed);
      std::uniform_real_distribution<double> u(0.0, 1.05);  // a few above 1: clipped
      std::vector<double> gates;
      {
        std::ofstream out(file);
        out.precision(17);
        for (int l = 0; l < shape.layers; ++l)
          for (int g = 0; g < shape.kv_heads; ++g) {
            gates.push_back(u(rng));
            out << gates.back() << (g + 1 < shape.kv_heads ? "\t" : "\n");
          }
      }
      std::vector<double> sorted;
      for (double x : gates) sorted.push_back(std::min(1.0, std::max(0.0, x)));
      std::sort(sorted.begin(), sorted.end());
      const double at = sparsity * (sorted.size() - 1);
      const std::size_t lo = static_cast<std::size_t>(at), hi = std::min(lo + 1, sorted.size() - 1);
      const double threshold = sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);

      const FloatTrace ft = peer_trace(seed, shape);
      const Config cfg = load_config("duo", {{"policy.sinks", std::to_string(sink_size), "test"},
                                             {"policy.window", std::to_string(recent_size), "test"},
                                             {"policy.head_policy.pattern_file", file, "test"},
                                             {"policy.head_policy.pattern_sparsity", std::to_string(sparsity), "test"}});
      const GoldenResult res = run_preset(cfg, ft);
      std::vector<Stream> ref;
      int retrieval = 0;
      for (int l = 0; l < shape.layers; ++l)
        for (int g = 0; g < shape.kv_heads; ++g) {
          const bool full = std::min(1.0, std::max(0.0, gates[static_cast<std::size_t>(l) * shape.kv_heads + g])) >= threshold;
          retrieval += full;
          ref.push_back(start_recent(shape, sink_size, full ? shape.tokens : recent_size));
        }
      EXPECT_GT(retrieval, 0);
      EXPECT_LT(retrieval, shape.layers * shape.kv_heads);
      compare(res, ref, a, "seed " + std::to_string(seed) + ", sparsity " + std::to_string(sparsity));
    }
  std::filesystem::remove(file);
  print("duo vs DuoAttention (thresholded gates, streaming cut)", a);
  EXPECT_EQ(a.all_equal, a.all_sets) << a.first_disagreement;
}

// The duo preset itself, unmodified, on a trace of Llama-3.1-8B-Instruct's shape (32 layers, 8 KV
// heads; tiny head_dim and length): every (layer, KV head) keeps what DuoAttention keeps with the
// shipped gates (configs/duo), read and thresholded again here (np.quantile's linear
// interpolation at the preset's sparsity 0.5, gates clipped to [0, 1]; a head at or above the
// threshold is a retrieval head), with the preset's sink_size 4 and recent_size 124.
TEST(PeerPolicies, DuoPresetKeepsWhatTheShippedLlamaPatternGives) {
  std::vector<double> gates;
  {
    std::ifstream in(SINKATTN_SOURCE_CONFIG_DIR "/duo/Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv");
    ASSERT_TRUE(in);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, '\t');) gates.push_back(std::min(1.0, std::max(0.0, std::stod(cell))));
    }
  }
  const Shape shape{32, 8, 8, 16, 180, 40};
  ASSERT_EQ(gates.size(), static_cast<std::size_t>(shape.layers * shape.kv_heads));
  std::vector<double> sorted = gates;
  std::sort(sorted.begin(), sorted.end());
  const double at = 0.5 * (sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(at), hi = std::min(lo + 1, sorted.size() - 1);
  const double threshold = sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);

  const Config cfg = load_config("duo");
  ASSERT_EQ(cfg.policy.sinks, 4);
  ASSERT_EQ(cfg.policy.window, 125);  // recent_size 124 + the step's own token
  Agreement a;
  for (std::uint64_t seed : {3, 4}) {
    const FloatTrace ft = peer_trace(seed, shape);
    const GoldenResult res = run_preset(cfg, ft);
    std::vector<Stream> ref;
    int retrieval = 0;
    for (std::size_t i = 0; i < gates.size(); ++i) {
      retrieval += gates[i] >= threshold;
      ref.push_back(start_recent(shape, 4, gates[i] >= threshold ? shape.tokens : 124));
    }
    EXPECT_EQ(retrieval, 128);  // sparsity 0.5 of 256 heads, no tie at the threshold on this file
    compare(res, ref, a, "seed " + std::to_string(seed));
  }
  print("duo preset vs DuoAttention with the shipped Llama-3.1-8B gates", a);
  EXPECT_EQ(a.all_equal, a.all_sets) << a.first_disagreement;
}

// SpAtten (no released code; the paper's rule): in the generation stage the token being
// generated is the step's query, so cascade token pruning never removes it; every other cached
// token, the newest included, is ranked by its accumulated importance against the layer's
// budget K_l. On traces whose heads attend mostly locally (gen-trace --recency), the spatten
// preset must read the current token at every (step, layer, KV head) and nothing beyond the
// budget besides it: K_l alive tokens plus the one that just left the one-token window. The
// preset without its window (window 0, the old preset) drops the current token on the same
// traces, which shows the check can fail.
TEST(PeerPolicies, SpattenKeepsTheTokenBeingGeneratedOnALocalTrace) {
  long sets = 0, current_kept = 0, previous_kept = 0, old_sets = 0, old_current_dropped = 0, old_previous_kept = 0;
  for (const auto& [seed, shape] : std::vector<std::pair<std::uint64_t, Shape>>{
           {31, {3, 4, 4, 32, 112, 48}}, {32, {3, 8, 2, 32, 112, 64}}, {33, {2, 4, 1, 16, 96, 40}}}) {
    SynthParams p;
    p.shape = shape;
    p.sinks = 0;
    p.sink_mass = 0;
    p.heavy = 4;
    p.recency = 6.0;  // nats: the newest tokens draw most of each row
    p.recency_span = 4;
    p.seed = seed;
    const FloatTrace ft = make_synthetic_trace(p);
    for (const char* window : {"1", "0"}) {
      const bool preset = window == std::string("1");
      const Config cfg = load_config("spatten", {{"policy.window", window, "test"},
                                                 {"policy.heavy_hitters.budget.tokens", "8", "test"},
                                                 {"policy.heavy_hitters.budget.min_tokens", "6", "test"},
                                                 {"policy.head_pruning.warmup_steps", "4", "test"}});
      if (preset) {
        const Config shipped = load_config("spatten");
        ASSERT_EQ(shipped.policy.window, 1);
        ASSERT_TRUE(shipped.policy.prefill_importance);
      }
      const Plan plan = make_plan(cfg, shape, "local trace");
      const GoldenResult res = run_preset(cfg, ft);
      ASSERT_TRUE(res.prefill_importance);
      ASSERT_GT(res.prefill.evictions, 0u) << "the summarization stage should prune the prompt";
      for (int st = 0; st < shape.steps(); ++st) {
        const int t = shape.prompt + st;
        for (int l = 0; l < shape.layers; ++l)
          for (int g = 0; g < shape.kv_heads; ++g) {
            const std::uint8_t* row = &res.keep[((static_cast<std::size_t>(st) * shape.layers + l) * shape.kv_heads + g) * shape.tokens];
            long n = 0;
            for (int j = 0; j < shape.tokens; ++j) n += row[j];
            if (n == 0) continue;  // every query head of the group pruned: no job
            if (preset) {
              ++sets;
              current_kept += row[t];
              previous_kept += row[t - 1];
              EXPECT_LE(n - 1, plan.budget[l] + 1) << "seed " << seed << " step " << t << " layer " << l << " KV head " << g;
            } else {
              ++old_sets;
              old_current_dropped += !row[t];
              old_previous_kept += row[t - 1];
            }
          }
      }
    }
  }
  std::printf("spatten on local traces: current token kept %ld / %ld, previous token kept %ld / %ld; without the "
              "one-token window: current token dropped %ld / %ld, previous kept %ld / %ld\n",
              current_kept, sets, previous_kept, sets, old_current_dropped, old_sets, old_previous_kept, old_sets);
  EXPECT_EQ(current_kept, sets);
  EXPECT_GT(old_current_dropped, 0) << "the old preset should drop the current token on these traces";
}

}  // namespace
}  // namespace sinkattn
