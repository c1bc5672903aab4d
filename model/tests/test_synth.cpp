// Synthetic traces: parameter validation, determinism, and that the attention the float
// reference sees has the requested structure (sink and heavy masses, value drain, recency).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sinkattn/error.hpp"
#include "sinkattn/reference.hpp"
#include "sinkattn/synth.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

namespace fs = std::filesystem;

struct Masses {
  double sink = 0, heavy = 0, recent = 0;
};

// Mean masses over every decode row, measured independently of the generator's own sample.
Masses measure_all(const FloatTrace& t, const SynthParams& p) {
  std::set<int> heavy;
  for (int j : t.meta["generator"]["heavy_tokens"]) heavy.insert(j);
  Masses m;
  std::mutex mu;
  for_each_reference_row(t, [&](int step, int, int, const std::vector<double>& probs, const std::vector<double>&) {
    Masses r;
    const int tok = t.shape.prompt + step;
    for (int j = 0; j <= tok; ++j) {
      if (j < p.sinks) r.sink += probs[j];
      else if (heavy.count(j)) r.heavy += probs[j];
      else if (j > tok - p.recency_span) r.recent += probs[j];
    }
    std::lock_guard<std::mutex> lock(mu);
    m.sink += r.sink, m.heavy += r.heavy, m.recent += r.recent;
  });
  const double rows = static_cast<double>(t.shape.steps()) * t.shape.layers * t.shape.q_heads;
  return {m.sink / rows, m.heavy / rows, m.recent / rows};
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Synth, SameSeedSameBytesDifferentSeedDifferent) {
  SynthParams p;
  p.shape = {2, 4, 2, 16, 128, 64};
  p.seed = testing::test_seed(7);
  const FloatTrace a = make_synthetic_trace(p), b = make_synthetic_trace(p);
  EXPECT_EQ(a.q, b.q);
  EXPECT_EQ(a.k, b.k);
  EXPECT_EQ(a.v, b.v);
  EXPECT_EQ(a.meta, b.meta);

  const fs::path dir = fs::temp_directory_path() / ("sinkattn_synth_" + std::to_string(getpid()));
  save_trace(a, (dir / "a").string(), npy::DType::kFloat32);
  save_trace(b, (dir / "b").string(), npy::DType::kFloat32);
  for (const char* f : {"q.npy", "k.npy", "v.npy", "meta.json"})
    EXPECT_EQ(file_bytes(dir / "a" / f), file_bytes(dir / "b" / f)) << f;
  fs::remove_all(dir);

  p.seed += 1;
  const FloatTrace c = make_synthetic_trace(p);
  EXPECT_NE(a.q, c.q);
  EXPECT_NE(a.k, c.k);
  EXPECT_NE(a.v, c.v);
}

// gen-trace streams the trace to disk slice by slice (write_synthetic_trace): the same tensor
// bytes as the in-memory trace saved whole, in every dtype, with and without the prompt's
// queries; in float32 the very meta too (measured on the values as stored, which are then the
// in-memory values).
TEST(Synth, StreamedTraceHasTheBytesOfTheTraceMadeInMemory) {
  const fs::path dir = fs::temp_directory_path() / ("sinkattn_synth_stream_" + std::to_string(getpid()));
  SynthParams p;
  p.shape = {2, 4, 2, 16, 96, 64};
  p.seed = testing::test_seed(8);
  for (bool decode_only : {false, true}) {
    p.decode_queries_only = decode_only;
    const FloatTrace whole = make_synthetic_trace(p);
    for (npy::DType dtype : {npy::DType::kFloat32, npy::DType::kFloat16, npy::DType::kInt8}) {
      save_trace(whole, (dir / "whole").string(), dtype);
      const nlohmann::json meta = write_synthetic_trace(p, (dir / "streamed").string(), dtype);
      for (const char* f : {"q.npy", "k.npy", "v.npy"})
        EXPECT_EQ(file_bytes(dir / "whole" / f), file_bytes(dir / "streamed" / f)) << f << " " << npy::dtype_name(dtype);
      const FloatTrace back = load_trace((dir / "streamed").string());
      EXPECT_EQ(back.meta, meta);
      EXPECT_EQ(back.q_first, whole.q_first);
      if (dtype == npy::DType::kFloat32) {
        EXPECT_EQ(file_bytes(dir / "whole" / "meta.json"), file_bytes(dir / "streamed" / "meta.json"));
      } else {  // measured on the rounded values: close to, not equal to, the float32 measurement
        for (const char* m : {"sink_mass_mean", "heavy_mass_mean", "recent_mass_mean"})
          EXPECT_NEAR(meta["measured"][m].get<double>(), whole.meta["measured"][m].get<double>(), 0.02) << m;
      }
    }
  }
  fs::remove_all(dir);
}

TEST(Synth, MetaRecordsGeneratorAndMeasurement) {
  SynthParams p;
  p.shape = {1, 2, 1, 16, 40, 20};
  p.heavy = 5;
  const FloatTrace t = make_synthetic_trace(p);
  EXPECT_EQ(t.meta["prompt_len"], 20);
  EXPECT_EQ(t.meta["description"], t.description);
  EXPECT_EQ(t.description.find('\n'), std::string::npos);
  const auto& g = t.meta["generator"];
  EXPECT_EQ(g["tokens"], 40);
  EXPECT_EQ(g["heavy"], 5);
  EXPECT_EQ(g["sink_mass"], p.sink_mass);
  EXPECT_EQ(g["seed"], p.seed);
  EXPECT_EQ(t.meta["measured"]["rows_sampled"], 20 * 2);  // all 20 steps (fewer than 64)
  // Heavy hitters: distinct prompt tokens after the sinks.
  const std::vector<int> heavy = g["heavy_tokens"];
  ASSERT_EQ(heavy.size(), 5u);
  EXPECT_EQ(std::set<int>(heavy.begin(), heavy.end()).size(), 5u);
  for (int j : heavy) {
    EXPECT_GE(j, p.sinks);
    EXPECT_LT(j, 20);
  }
}

TEST(Synth, DefaultTraceDrawsTheRequestedMasses) {
  SynthParams p;
  p.seed = testing::test_seed(1);
  const FloatTrace t = make_synthetic_trace(p);
  const Masses m = measure_all(t, p);
  EXPECT_NEAR(m.sink, p.sink_mass, 0.1);
  EXPECT_NEAR(m.heavy, p.heavy_mass, 0.1);
  const auto& meas = t.meta["measured"];
  EXPECT_NEAR(meas["sink_mass_mean"].get<double>(), p.sink_mass, 0.1);
  EXPECT_NEAR(meas["heavy_mass_mean"].get<double>(), p.heavy_mass, 0.1);
  EXPECT_NEAR(meas["recent_mass_mean"].get<double>(), m.recent, 0.05);  // a sample of the same rows
  EXPECT_EQ(meas["rows_sampled"], 64 * 4 * 8);
}

// The controls hold for MHA (Hkv = Hq), full GQA sharing (Hkv = 1), the smallest head with
// recency, and a shape without recency.
TEST(Synth, MassesHoldAcrossShapes) {
  for (const Shape shape : {Shape{2, 4, 4, 32, 300, 100}, Shape{2, 4, 1, 32, 300, 200}, Shape{1, 2, 1, 16, 200, 120},
                            Shape{1, 2, 2, 4, 200, 120}}) {
    SynthParams p;
    p.shape = shape;
    p.sink_mass = 0.3;
    p.heavy_mass = 0.4;
    p.heavy = 8;
    if (shape.head_dim < 16) p.recency = 0;
    p.seed = testing::test_seed(3);
    const Masses m = measure_all(make_synthetic_trace(p), p);
    EXPECT_NEAR(m.sink, 0.3, 0.1) << "D=" << shape.head_dim << " Hkv=" << shape.kv_heads;
    EXPECT_NEAR(m.heavy, 0.4, 0.1) << "D=" << shape.head_dim << " Hkv=" << shape.kv_heads;
  }
}

TEST(Synth, ZeroSinkMassLeavesSinksOrdinary) {
  SynthParams p;
  p.sink_mass = 0;
  p.seed = testing::test_seed(2);
  const Masses m = measure_all(make_synthetic_trace(p), p);
  EXPECT_LT(m.sink, 0.03);  // 4 ordinary tokens among 257..512
  EXPECT_NEAR(m.heavy, p.heavy_mass, 0.1);
}

// Every (layer, head) sees the shared heavy hitters: each draws several times what an ordinary
// token does (about 10x at these settings).
TEST(Synth, HeavyHittersStandOutInEveryHead) {
  SynthParams p;
  p.shape = {2, 4, 2, 32, 256, 128};
  p.recency = 0;
  p.seed = testing::test_seed(4);
  const FloatTrace t = make_synthetic_trace(p);
  std::set<int> heavy;
  for (int j : t.meta["generator"]["heavy_tokens"]) heavy.insert(j);
  std::vector<double> heavy_mass(8), other_mass(8);
  std::mutex mu;
  for_each_reference_row(t, [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>&) {
    double hm = 0, om = 0;
    for (int j = p.sinks; j <= 128 + step; ++j) (heavy.count(j) ? hm : om) += probs[j];
    std::lock_guard<std::mutex> lock(mu);
    heavy_mass[l * 4 + h] += hm / p.heavy;
    other_mass[l * 4 + h] += om / (128 + step + 1 - p.sinks - p.heavy);
  });
  for (int r = 0; r < 8; ++r) EXPECT_GT(heavy_mass[r], 4 * other_mass[r]) << "layer " << r / 4 << " head " << r % 4;
}

TEST(Synth, ValueDrainScalesSinkValues) {
  SynthParams p;
  p.sink_value_scale = 0.2;
  p.seed = testing::test_seed(5);
  const FloatTrace t = make_synthetic_trace(p);
  const Shape& s = t.shape;
  double sink = 0, other = 0;
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g)
      for (int j = 0; j < s.tokens; ++j) {
        double n2 = 0;
        for (int d = 0; d < s.head_dim; ++d) n2 += double(t.v_row(l, g, j)[d]) * t.v_row(l, g, j)[d];
        (j < p.sinks ? sink : other) += std::sqrt(n2) / (j < p.sinks ? p.sinks : s.tokens - p.sinks);
      }
  EXPECT_NEAR(sink / other, 0.2, 0.02);
}

TEST(Synth, RecencyRaisesMassOnRecentTokens) {
  SynthParams p;
  p.seed = testing::test_seed(6);
  const FloatTrace with = make_synthetic_trace(p);
  p.recency = 0;
  const FloatTrace without = make_synthetic_trace(p);
  const double a = with.meta["measured"]["recent_mass_mean"], b = without.meta["measured"]["recent_mass_mean"];
  EXPECT_GT(a, 1.5 * b) << "recent mass with recency " << a << ", without " << b;
  // The sink and heavy controls still hold with the recency bonus on.
  EXPECT_NEAR(with.meta["measured"]["sink_mass_mean"].get<double>(), p.sink_mass, 0.1);
}

TEST(Synth, ValidateRejectsEachBadParameter) {
  EXPECT_NO_THROW(validate(SynthParams{}));
  const struct {
    const char* flag;
    std::function<void(SynthParams&)> set;
  } cases[] = {
      {"--layers", [](SynthParams& p) { p.shape.layers = 0; }},
      {"--q-heads", [](SynthParams& p) { p.shape.q_heads = 0; }},
      {"--kv-heads", [](SynthParams& p) { p.shape.kv_heads = -1; }},
      {"--q-heads", [](SynthParams& p) { p.shape.kv_heads = 3; }},
      {"--head-dim", [](SynthParams& p) { p.shape.head_dim = 3, p.recency = 0; }},
      {"--head-dim", [](SynthParams& p) { p.shape.head_dim = 12; }},  // recency on needs 16
      {"--tokens", [](SynthParams& p) { p.shape.tokens = 0; }},
      {"--prompt", [](SynthParams& p) { p.shape.prompt = p.shape.tokens; }},
      {"--prompt", [](SynthParams& p) { p.shape.prompt = -1; }},
      {"--sinks", [](SynthParams& p) { p.sinks = -1; }},
      {"--sinks", [](SynthParams& p) { p.sinks = p.shape.prompt; }},
      {"--sink-mass", [](SynthParams& p) { p.sink_mass = 1; }},
      {"--sink-mass", [](SynthParams& p) { p.sink_mass = -0.1; }},
      {"--sink-mass", [](SynthParams& p) { p.sinks = 0; }},
      {"--sink-value-scale", [](SynthParams& p) { p.sink_value_scale = -1; }},
      {"--heavy", [](SynthParams& p) { p.heavy = -1; }},
      {"--heavy", [](SynthParams& p) { p.heavy = p.shape.prompt - p.sinks + 1; }},
      {"--heavy-mass", [](SynthParams& p) { p.heavy_mass = 1.5; }},
      {"--heavy-mass", [](SynthParams& p) { p.heavy = 0; }},
      {"--heavy-mass", [](SynthParams& p) { p.sink_mass = 0.5, p.heavy_mass = 0.5; }},
      {"--recency", [](SynthParams& p) { p.recency = -1; }},
      {"--recency-span", [](SynthParams& p) { p.recency_span = 0; }},
      {"--temperature", [](SynthParams& p) { p.temperature = 0; }},
      {"--temperature", [](SynthParams& p) { p.temperature = std::nan(""); }},
  };
  for (const auto& c : cases) {
    SynthParams p;
    c.set(p);
    try {
      validate(p);
      ADD_FAILURE() << "accepted; expected an error for " << c.flag;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), "gen-trace");
      EXPECT_EQ(e.field(), c.flag) << e.what();
    }
    EXPECT_THROW(make_synthetic_trace(p), InputError) << c.flag;
  }
  // The edges that are allowed: no sinks or heavy hitters at all, and a single decode step.
  SynthParams p;
  p.sinks = 0, p.sink_mass = 0, p.heavy = 0, p.heavy_mass = 0, p.shape.prompt = p.shape.tokens - 1;
  EXPECT_NO_THROW(validate(p));
}

TEST(Synth, SmallHeadErrorSaysWhy) {
  SynthParams p;
  p.shape.head_dim = 8;
  try {
    validate(p);
    FAIL() << "accepted D = 8 with recency";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 16 when --recency is on"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sinkattn
