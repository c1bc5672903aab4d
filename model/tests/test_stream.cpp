// The streaming engine (stream.hpp) against the whole-trace engine (run_golden), bit for bit:
// the same integer trace fed one layer of one step at a time must give the same outputs, the
// same head-pruning rows, keep masks and counters, on seeded random configurations and traces
// and on every preset. A mismatch names the seed, the first differing step, layer, head and
// element.
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <stdexcept>

#include "config_refs.hpp"
#include "random_policy_config.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/stream.hpp"
#include "synthetic_traces.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

StreamScales scales_of(const IntTrace& it) { return {it.q_scale, it.k_scale, it.v_scale}; }

// Feeds `it` through a stream one layer at a time; `outs` receives every step_layer output in
// run_golden's layout [steps, L, Hq, D].
GoldenResult run_stream(const Config& cfg, const IntTrace& it, std::vector<std::int16_t>& outs) {
  const Shape& s = it.shape;
  GoldenOptions opt;
  opt.record_keep = true;
  StreamEngine st(cfg, s, scales_of(it), opt);
  std::vector<std::int16_t> k(static_cast<std::size_t>(s.layers) * s.kv_heads * s.prompt * s.head_dim), v(k.size());
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g)
      for (int j = 0; j < s.prompt; ++j)
        for (int e = 0; e < s.head_dim; ++e) {
          const std::size_t i = ((static_cast<std::size_t>(l) * s.kv_heads + g) * s.prompt + j) * s.head_dim + e;
          k[i] = it.k_row(l, g, j)[e];
          v[i] = it.v_row(l, g, j)[e];
        }
  st.prefill(k.data(), v.data(), it.has_prompt_queries() ? it.q_prompt.data() : nullptr);
  const int d = s.head_dim;
  std::vector<std::int16_t> q(static_cast<std::size_t>(s.q_heads) * d), kt(static_cast<std::size_t>(s.kv_heads) * d), vt(kt.size());
  outs.assign(static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads * d, 0);
  for (int t = s.prompt; t < s.tokens; ++t)
    for (int l = 0; l < s.layers; ++l) {
      for (int h = 0; h < s.q_heads; ++h) std::copy(it.q_row(l, h, t), it.q_row(l, h, t) + d, &q[h * d]);
      for (int g = 0; g < s.kv_heads; ++g) {
        std::copy(it.k_row(l, g, t), it.k_row(l, g, t) + d, &kt[g * d]);
        std::copy(it.v_row(l, g, t), it.v_row(l, g, t) + d, &vt[g * d]);
      }
      st.step_layer(l, q.data(), kt.data(), vt.data(),
                    &outs[((static_cast<std::size_t>(t - s.prompt) * s.layers + l) * s.q_heads) * d]);
    }
  EXPECT_EQ(st.next_token(), s.tokens);
  return st.result();
}

// Empty if equal, else the first divergence.
std::string first_divergence(const Shape& s, const GoldenResult& want, const GoldenResult& got,
                             const std::vector<std::int16_t>& handed_out) {
  std::ostringstream m;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h) {
        const std::size_t row = want.row_index(st, l, h);
        if (want.row_active[row] != got.row_active[row]) {
          m << "step " << s.prompt + st << " layer " << l << " head " << h << ": row_active " << int(want.row_active[row])
            << " vs " << int(got.row_active[row]);
          return m.str();
        }
        for (int e = 0; e < s.head_dim; ++e) {
          const std::size_t i = row * s.head_dim + e;
          if (want.out[i] != got.out[i] || want.out[i] != handed_out[i]) {
            m << "step " << s.prompt + st << " layer " << l << " head " << h << " element " << e << ": whole trace "
              << want.out[i] << ", stream result " << got.out[i] << ", step_layer output " << handed_out[i];
            return m.str();
          }
        }
        if (h % s.group()) continue;
        const int g = h / s.group();
        for (int j = 0; j < s.tokens; ++j) {
          const std::size_t i = ((static_cast<std::size_t>(st) * s.layers + l) * s.kv_heads + g) * s.tokens + j;
          if (want.keep[i] != got.keep[i]) {
            m << "step " << s.prompt + st << " layer " << l << " KV head " << g << " token " << j << ": keep "
              << int(want.keep[i]) << " vs " << int(got.keep[i]);
            return m.str();
          }
        }
      }
  if (want.prefill_importance != got.prefill_importance) return "prefill_importance differs";
  const Counters &a = want.counters, &b = got.counters;
  const std::pair<const char*, std::pair<std::uint64_t, std::uint64_t>> counters[] = {
      {"rows", {a.rows, b.rows}}, {"pruned_rows", {a.pruned_rows, b.pruned_rows}},
      {"lsb_refetches", {a.lsb_refetches, b.lsb_refetches}}, {"sram_sink_hits", {a.sram_sink_hits, b.sram_sink_hits}},
      {"token_reads", {a.token_reads, b.token_reads}}, {"macs", {a.macs, b.macs}}, {"evictions", {a.evictions, b.evictions}},
      {"dram_window", {a.dram_window, b.dram_window}}, {"dram_middle", {a.dram_middle, b.dram_middle}},
      {"dram_lsb", {a.dram_lsb, b.dram_lsb}}, {"topk.passes", {a.topk.passes, b.topk.passes}},
      {"topk.elements", {a.topk.elements, b.topk.elements}}, {"dense_dram_bytes", {want.dense_dram_bytes, got.dense_dram_bytes}},
      {"importance_loads", {a.importance_loads, b.importance_loads}}, {"prefill.evictions", {want.prefill.evictions, got.prefill.evictions}}};
  for (const auto& [name, v] : counters)
    if (v.first != v.second) return std::string("counter ") + name + ": " + std::to_string(v.first) + " vs " + std::to_string(v.second);
  if (want.token_reads_per_layer != got.token_reads_per_layer) return "token_reads_per_layer differ";
  return "";
}

void expect_stream_equals_whole(const Config& cfg, const FloatTrace& ft, const std::string& what) {
  const IntTrace it = quantize_trace(ft);
  const Plan plan = make_plan(cfg, ft.shape, "test");
  GoldenOptions opt;
  opt.record_keep = true;
  const GoldenResult whole = run_golden(cfg, plan, it, opt);
  std::vector<std::int16_t> handed_out;
  const GoldenResult streamed = run_stream(cfg, it, handed_out);
  const std::string diff = first_divergence(ft.shape, whole, streamed, handed_out);
  EXPECT_EQ(diff, "") << what;
}

TEST(Stream, RandomConfigurationsAndTracesEqualTheWholeTraceEngine) {
  const std::uint64_t seed = testing::test_seed(4242);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 30; ++trial) {
    const Shape shape{1 + static_cast<int>(rng() % 3), 0, 1 + static_cast<int>(rng() % 2), 16 << (rng() % 2),
                      40 + static_cast<int>(rng() % 50), 0};
    Shape s = shape;
    s.q_heads = s.kv_heads * (1 + static_cast<int>(rng() % 3));
    s.prompt = 11 + static_cast<int>(rng() % (s.tokens - 20));  // gen-trace: 4 sinks and 6 heavy hitters in the prompt
    const FloatTrace ft = testing::synthetic_trace(seed + trial, s);
    const Config cfg = testing::random_config(rng, s);
    expect_stream_equals_whole(cfg, ft, "seed " + std::to_string(seed) + " trial " + std::to_string(trial) + " " +
                                            testing::describe(cfg));
    if (HasFailure()) return;
  }
}

TEST(Stream, EveryPresetEqualsTheWholeTraceEngine) {
  const FloatTrace ft = testing::synthetic_trace(7, {3, 8, 2, 32, 200, 90});
  // duo names a head pattern of Llama-3.1-8B's shape: it runs on a trace of that shape, and its
  // hash fallback (config_refs.hpp) on the shared one.
  const FloatTrace llama_shaped = testing::synthetic_trace(8, {32, 8, 8, 16, 150, 60});
  std::vector<std::string> names = preset_names();
  names.push_back("duo_hash");
  for (const std::string& name : names) {
    Config c = load_config(testing::config_ref(name));
    if (c.policy.budget.tokens > 32) c.policy.budget.tokens = 32, c.policy.budget.min_tokens = 16;  // make eviction bite
    // Every preset's policy, on hardware that holds the trace (sinkattn_hw_tiny's, the Icarus
    // twin's 2 layers and 64 tokens, does not).
    if (c.hw.max_layers < ft.shape.layers || c.hw.max_tokens < ft.shape.tokens) c.hw = load_config("base").hw;
    expect_stream_equals_whole(c, name == "duo" ? llama_shaped : ft, name);
  }
}

TEST(Stream, CallsOutOfOrderAndBadInputsAreRefusedWithoutChangingTheStream) {
  const FloatTrace ft = testing::synthetic_trace(3, {2, 2, 1, 16, 20, 10});
  const IntTrace it = quantize_trace(ft);
  const Config cfg = load_config("sinkattn");
  StreamEngine st(cfg, it.shape, scales_of(it));
  std::vector<std::int16_t> q(2 * 16), kv(16), out(2 * 16);
  EXPECT_THROW(st.step_layer(0, q.data(), kv.data(), kv.data(), out.data()), std::logic_error);  // before prefill
  std::vector<std::int16_t> pk(2 * 10 * 16);
  st.prefill(pk.data(), pk.data());
  EXPECT_THROW(st.prefill(pk.data(), pk.data()), std::logic_error);
  EXPECT_THROW(st.step_layer(1, q.data(), kv.data(), kv.data(), out.data()), std::logic_error);  // layer 0 first
  q[3] = static_cast<std::int16_t>(num::kDataMax + 1);
  EXPECT_THROW(st.step_layer(0, q.data(), kv.data(), kv.data(), out.data()), InputError);
  EXPECT_EQ(st.next_token(), 10);
  EXPECT_EQ(st.next_layer(), 0);
  q[3] = 0;
  st.step_layer(0, q.data(), kv.data(), kv.data(), out.data());
  EXPECT_EQ(st.next_layer(), 1);
  EXPECT_THROW(StreamEngine(cfg, it.shape, {it.q_scale, it.k_scale, {}}), InputError);
  EXPECT_THROW(StreamEngine(cfg, it.shape, {it.q_scale, it.k_scale, {1.0, -1.0}}), InputError);
}

TEST(Stream, AFullStreamRefusesAnotherStep) {
  const FloatTrace ft = testing::synthetic_trace(5, {1, 1, 1, 16, 12, 11});
  const IntTrace it = quantize_trace(ft);
  StreamEngine st(load_config("dense"), it.shape, scales_of(it));
  std::vector<std::int16_t> pk(11 * 16), row(16), out(16);
  st.prefill(pk.data(), pk.data());
  st.step_layer(0, row.data(), row.data(), row.data(), out.data());
  EXPECT_THROW(st.step_layer(0, row.data(), row.data(), row.data(), out.data()), std::logic_error);
}

}  // namespace
}  // namespace sinkattn
