// Trace directories (load_trace, save_trace) and the float reference of full attention.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sinkattn/error.hpp"
#include "sinkattn/reference.hpp"
#include "sinkattn/report.hpp"
#include "sinkattn/trace.hpp"
#include "test_seed.hpp"

namespace sinkattn {
namespace {

namespace fs = std::filesystem;
using npy::DType;
using Dims = std::vector<std::size_t>;

// A small in-memory trace with random values (GQA: 4 query heads over 2 KV heads).
FloatTrace random_trace(std::uint64_t seed, Shape shape = {2, 4, 2, 3, 6, 2}) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  FloatTrace t;
  t.shape = shape;
  const std::size_t slice = static_cast<std::size_t>(shape.tokens) * shape.head_dim;
  t.q.resize(slice * shape.layers * shape.q_heads);
  t.k.resize(slice * shape.layers * shape.kv_heads);
  t.v.resize(t.k.size());
  for (auto* x : {&t.q, &t.k, &t.v})
    for (float& f : *x) f = normal(rng);
  t.description = "random test trace";
  t.meta = {{"generator", {{"kind", "test"}}}, {"measured", {{"x", 1.5}}}};
  return t;
}

class TraceIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("sinkattn_trace_") + info->name() + "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes NAME.npy in `dtype` with the given shape, every element `fill`.
  void tensor(const std::string& name, const Dims& shape, float fill = 0.5f, DType dtype = DType::kFloat32) const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    const std::string p = path(name + ".npy");
    if (dtype == DType::kInt8) {
      npy::write(p, dtype, shape, std::vector<std::int8_t>(n, static_cast<std::int8_t>(fill)).data());
    } else if (dtype == DType::kFloat16) {
      npy::write(p, dtype, shape, std::vector<std::uint16_t>(n, npy::float_to_half(fill)).data());
    } else {
      npy::write(p, dtype, shape, std::vector<float>(n, fill).data());
    }
  }
  // A valid float32 trace: q [2,4,8,3], k and v [2,2,8,3].
  void valid() const {
    tensor("q", {2, 4, 8, 3});
    tensor("k", {2, 2, 8, 3});
    tensor("v", {2, 2, 8, 3});
  }
  void meta(const std::string& text) const { std::ofstream(path("meta.json")) << text; }

  // load_trace must fail with an InputError for `file` and `field` whose message has `reason`.
  void expect_error(const std::string& file, const std::string& field, const std::string& reason) const {
    try {
      load_trace(dir_.string());
      ADD_FAILURE() << "load_trace succeeded; expected " << field << ": " << reason;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), path(file)) << e.what();
      EXPECT_EQ(e.field(), field) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
};

TEST_F(TraceIoTest, Float32RoundTripIsExact) {
  const FloatTrace t = random_trace(testing::test_seed(11));
  save_trace(t, dir_.string(), DType::kFloat32);
  const FloatTrace r = load_trace(dir_.string());
  EXPECT_EQ(r.q, t.q);
  EXPECT_EQ(r.k, t.k);
  EXPECT_EQ(r.v, t.v);
  EXPECT_EQ(r.shape.layers, 2);
  EXPECT_EQ(r.shape.q_heads, 4);
  EXPECT_EQ(r.shape.kv_heads, 2);
  EXPECT_EQ(r.shape.head_dim, 3);
  EXPECT_EQ(r.shape.tokens, 6);
  EXPECT_EQ(r.shape.prompt, 2);
  EXPECT_EQ(r.description, t.description);
  EXPECT_EQ(r.dir, dir_.string());
  EXPECT_EQ(r.meta["generator"], t.meta["generator"]);
  EXPECT_EQ(r.meta["measured"], t.meta["measured"]);
  EXPECT_FALSE(r.meta.contains("scales"));
}

TEST_F(TraceIoTest, Float16RoundTripWithinHalfPrecision) {
  const FloatTrace t = random_trace(testing::test_seed(12));
  save_trace(t, dir_.string(), DType::kFloat16);
  const FloatTrace r = load_trace(dir_.string());
  for (const auto& [x, y] : {std::pair(&t.q, &r.q), std::pair(&t.k, &r.k), std::pair(&t.v, &r.v)}) {
    ASSERT_EQ(y->size(), x->size());
    // Half precision keeps 11 significant bits: rounding moves a value by at most 2^-11 relative.
    for (std::size_t i = 0; i < x->size(); ++i) EXPECT_NEAR((*y)[i], (*x)[i], std::fabs((*x)[i]) * 0x1p-11 + 0x1p-24);
  }
}

TEST_F(TraceIoTest, Int8RoundTripWithinHalfAScale) {
  FloatTrace t = random_trace(testing::test_seed(13));
  std::fill(t.v.begin(), t.v.begin() + 18, 0.0f);  // an all-zero (layer 0, head 0) slice: scale 1
  save_trace(t, dir_.string(), DType::kInt8);
  const FloatTrace r = load_trace(dir_.string());
  const auto& scales = r.meta["scales"];
  const std::size_t slice = 6 * 3;
  const struct {
    const char* name;
    const std::vector<float>& x;
    const std::vector<float>& y;
    int heads;
  } tensors[] = {{"q", t.q, r.q, 4}, {"k", t.k, r.k, 2}, {"v", t.v, r.v, 2}};
  for (const auto& c : tensors)
    for (int l = 0; l < 2; ++l)
      for (int h = 0; h < c.heads; ++h) {
        const std::size_t base = (static_cast<std::size_t>(l) * c.heads + h) * slice;
        double maxabs = 0;
        for (std::size_t i = 0; i < slice; ++i) maxabs = std::max(maxabs, std::fabs(double(c.x[base + i])));
        const double scale = scales[c.name][l][h].get<double>();
        EXPECT_DOUBLE_EQ(scale, maxabs > 0 ? maxabs / 127 : 1.0) << c.name << " " << l << " " << h;
        for (std::size_t i = 0; i < slice; ++i)
          EXPECT_LE(std::fabs(c.y[base + i] - c.x[base + i]), scale / 2 * (1 + 1e-6)) << c.name << " " << base + i;
      }
}

TEST_F(TraceIoTest, Int8WithoutScalesMeansScaleOneAndPromptDefaultsToHalf) {
  tensor("q", {1, 2, 7, 4}, -3, DType::kInt8);
  tensor("k", {1, 1, 7, 4}, 5, DType::kInt8);
  tensor("v", {1, 1, 7, 4}, 127, DType::kInt8);
  const FloatTrace r = load_trace(dir_.string());
  EXPECT_EQ(r.q[0], -3.0f);
  EXPECT_EQ(r.k[5], 5.0f);
  EXPECT_EQ(r.v[27], 127.0f);
  EXPECT_EQ(r.shape.prompt, 3);  // T/2 rounded down
  EXPECT_EQ(r.description, "");
}

TEST_F(TraceIoTest, Int8ScalesFromMetaAreApplied) {
  tensor("q", {1, 2, 3, 4}, 2, DType::kInt8);
  tensor("k", {1, 1, 3, 4}, 2, DType::kInt8);
  tensor("v", {1, 1, 3, 4}, 2, DType::kInt8);
  meta(R"({"prompt_len": 0, "scales": {"q": [[0.5, 0.25]], "k": [[3]], "v": [[0.125]]}})");
  const FloatTrace r = load_trace(dir_.string());
  EXPECT_EQ(r.q[0], 1.0f);
  EXPECT_EQ(r.q[12], 0.5f);  // head 1
  EXPECT_EQ(r.k[0], 6.0f);
  EXPECT_EQ(r.v[11], 0.25f);
  EXPECT_EQ(r.shape.prompt, 0);
}

TEST_F(TraceIoTest, MissingTensors) {
  for (const char* missing : {"q", "k", "v"}) {
    valid();
    fs::remove(path(std::string(missing) + ".npy"));
    expect_error(std::string(missing) + ".npy", "file", "missing");
  }
}

TEST_F(TraceIoTest, WrongRankAndZeroSizedDimensions) {
  valid();
  tensor("k", {2, 2, 24});
  expect_error("k.npy", "shape", "rank 3");
  valid();
  tensor("v", {2, 2, 0, 3});
  expect_error("v.npy", "shape", "zero-sized");
}

TEST_F(TraceIoTest, ShapesMustAgree) {
  valid();
  tensor("k", {3, 2, 8, 3});
  expect_error("k.npy", "shape", "k.npy shape [3, 2, 8, 3] disagrees with q.npy shape [2, 4, 8, 3] in L");
  valid();
  tensor("v", {2, 2, 9, 3});
  expect_error("v.npy", "shape", "v.npy shape [2, 2, 9, 3] disagrees with k.npy shape [2, 2, 8, 3] in T");
  valid();
  tensor("q", {2, 4, 9, 3});
  expect_error("q.npy", "shape", "q.npy shape [2, 4, 9, 3] has more tokens than k.npy shape [2, 2, 8, 3]");
  valid();
  tensor("k", {2, 2, 8, 4});
  expect_error("k.npy", "shape", "in D");
  valid();
  tensor("v", {2, 1, 8, 3});
  expect_error("v.npy", "shape", "v.npy shape [2, 1, 8, 3] disagrees with k.npy shape [2, 2, 8, 3] in Hkv");
  valid();
  tensor("k", {2, 3, 8, 3});
  tensor("v", {2, 3, 8, 3});
  expect_error("q.npy", "shape", "Hq = 4 (q.npy shape [2, 4, 8, 3]) is not a multiple of Hkv = 3");
}

TEST_F(TraceIoTest, DtypesMustAgree) {
  valid();
  tensor("v", {2, 2, 8, 3}, 1, DType::kInt8);
  expect_error("v.npy", "dtype", "int8 differs from q.npy's float32");
}

TEST_F(TraceIoTest, NonFiniteValuesAreNamedByIndex) {
  valid();
  std::vector<float> q(2 * 4 * 8 * 3, 0.5f);
  q[((1 * 4 + 2) * 8 + 5) * 3 + 1] = std::numeric_limits<float>::quiet_NaN();
  npy::write(path("q.npy"), DType::kFloat32, {2, 4, 8, 3}, q.data());
  expect_error("q.npy", "data", "NaN at [l,h,t,d] = [1, 2, 5, 1]");

  tensor("q", {2, 4, 8, 3}, 0.5f, DType::kFloat16);
  tensor("k", {2, 2, 8, 3}, 0.5f, DType::kFloat16);
  std::vector<std::uint16_t> v(2 * 2 * 8 * 3, npy::float_to_half(0.5f));
  v[7] = npy::float_to_half(-std::numeric_limits<float>::infinity());
  npy::write(path("v.npy"), DType::kFloat16, {2, 2, 8, 3}, v.data());
  expect_error("v.npy", "data", "Inf at [l,h,t,d] = [0, 0, 2, 1]");
}

TEST_F(TraceIoTest, PromptLen) {
  valid();
  meta(R"({"prompt_len": 8})");
  expect_error("meta.json", "prompt_len", "outside [0, T-1] = [0, 7]");
  meta(R"({"prompt_len": -1})");
  expect_error("meta.json", "prompt_len", "outside");
  meta(R"({"prompt_len": 2.5})");
  expect_error("meta.json", "prompt_len", "must be an integer");
  meta(R"({"prompt_len": "3"})");
  expect_error("meta.json", "prompt_len", "must be an integer");
  meta(R"({"prompt_len": 7, "description": "ok"})");
  EXPECT_EQ(load_trace(dir_.string()).shape.prompt, 7);
}

// A q.npy with the decode steps' queries only ([L, Hq, T - P, D]) is told apart by its T. Its
// query scale comes from the rows it has (docs/numerics.md), so its integers equal the full
// trace's when the decode rows hold each slice's largest |q|, and may differ otherwise; the
// reference rows, the keys and the values are the same either way.
TEST_F(TraceIoTest, DecodeOnlyQueriesRunAndMatchWhenTheDecodeRowsSetTheScale) {
  FloatTrace full = random_trace(testing::test_seed(23), {2, 4, 2, 3, 6, 2});
  const Shape& sh = full.shape;
  const auto cut_of = [&](const FloatTrace& f) {
    FloatTrace cut = f;
    cut.q_first = sh.prompt;
    cut.q.clear();
    for (int l = 0; l < sh.layers; ++l)
      for (int h = 0; h < sh.q_heads; ++h)
        cut.q.insert(cut.q.end(), f.q_row(l, h, sh.prompt), f.q_row(l, h, sh.tokens - 1) + sh.head_dim);
    return cut;
  };
  // As drawn, a prompt row may hold a slice's largest |q|: the cut runs, with the same shape,
  // and its scale is never above the full trace's.
  save_trace(cut_of(full), dir_.string(), DType::kFloat32);
  for (const FloatTrace& r : {load_trace(dir_.string()), open_trace(dir_.string())}) {
    EXPECT_EQ(r.q_first, 2);
    EXPECT_EQ(r.shape.prompt, 2);
    EXPECT_EQ(r.shape.tokens, 6);
    const IntTrace a = quantize_trace(full), b = quantize_trace(r);
    ASSERT_EQ(a.q.size(), b.q.size());
    EXPECT_EQ(a.k, b.k);
    EXPECT_EQ(a.v, b.v);
    for (std::size_t i = 0; i < a.q_scale.size(); ++i) EXPECT_LE(b.q_scale[i], a.q_scale[i]) << "slice " << i;
  }
  // Prompt queries shrunk below half the decode rows' largest |q| in every slice: now the decode
  // rows set the scale in both, and the integers and scales are identical.
  for (int l = 0; l < sh.layers; ++l)
    for (int h = 0; h < sh.q_heads; ++h) {
      float decode_max = 0, prompt_max = 0;
      for (int t = 0; t < sh.tokens; ++t)
        for (int d = 0; d < sh.head_dim; ++d)
          (t < sh.prompt ? prompt_max : decode_max) =
              std::max(t < sh.prompt ? prompt_max : decode_max, std::fabs(full.q_row(l, h, t)[d]));
      ASSERT_GT(decode_max, 0.0f);
      if (prompt_max == 0) continue;
      for (int t = 0; t < sh.prompt; ++t)
        for (int d = 0; d < sh.head_dim; ++d)
          full.q[full.offset(sh.q_heads, l, h, t) + d] *= 0.5f * decode_max / prompt_max;
    }
  save_trace(cut_of(full), dir_.string(), DType::kFloat32);
  for (const FloatTrace& r : {load_trace(dir_.string()), open_trace(dir_.string())}) {
    const IntTrace a = quantize_trace(full), b = quantize_trace(r);
    EXPECT_EQ(a.q, b.q);
    EXPECT_EQ(a.q_scale, b.q_scale);
    // The prompt's queries (for the host's prefill, docs/policy.md): the full trace's, with the
    // same scale as the decode rows; none in the cut.
    EXPECT_TRUE(b.q_prompt.empty());
    ASSERT_TRUE(a.has_prompt_queries());
    for (int l = 0; l < sh.layers; ++l)
      for (int h = 0; h < sh.q_heads; ++h)
        for (int t = 0; t < sh.prompt; ++t)
          for (int d = 0; d < sh.head_dim; ++d)
            EXPECT_EQ(a.q_prompt_row(l, h, t)[d],
                      static_cast<std::int16_t>(std::round(full.q_row(l, h, t)[d] / a.q_scale[l * sh.q_heads + h])));
    EXPECT_EQ(a.k, b.k);
    std::vector<double> pa, oa, pb, ob;
    for (int t = 2; t < 6; ++t) {
      reference_row(full, 1, 3, t, pa, oa);
      reference_row(r, 1, 3, t, pb, ob);
      EXPECT_EQ(pa, pb);
      EXPECT_EQ(oa, ob);
    }
  }
  // Without meta.json the prompt is T - Tq; with it, prompt_len must say the same.
  fs::remove(path("meta.json"));
  EXPECT_EQ(load_trace(dir_.string()).shape.prompt, 2);
  meta(R"({"prompt_len": 3})");
  expect_error("q.npy", "shape", "decode-only queries need T - prompt_len = 3 rows");
}

// open_trace maps the files; every row it reads is the row load_trace copies, in every dtype.
TEST_F(TraceIoTest, MappedTraceReadsWhatLoadCopies) {
  const FloatTrace t = random_trace(testing::test_seed(29));
  for (DType dtype : {DType::kFloat32, DType::kFloat16, DType::kInt8}) {
    save_trace(t, dir_.string(), dtype);
    const FloatTrace copied = load_trace(dir_.string());
    const FloatTrace mapped = open_trace(dir_.string());
    ASSERT_TRUE(mapped.mapped);
    EXPECT_TRUE(mapped.k.empty());
    const Shape& s = t.shape;
    std::vector<float> rows(static_cast<std::size_t>(s.tokens) * s.head_dim);
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g) {
        mapped.read_rows(TraceTensor::kV, l, g, 1, 4, rows.data());
        mapped.release_slice(TraceTensor::kV, l, g);  // pages come back on the next read
        EXPECT_TRUE(std::equal(rows.begin(), rows.begin() + 4 * s.head_dim, copied.v_row(l, g, 1)))
            << npy::dtype_name(dtype);
      }
    EXPECT_EQ(quantize_trace(copied).k, quantize_trace(mapped).k) << npy::dtype_name(dtype);
    EXPECT_THROW(mapped.read_rows(TraceTensor::kK, 0, 0, 5, 2, rows.data()), std::out_of_range);
  }
}

// prompt_scores.npy: optional, float32 [L, Hkv or Hq, P], finite and non-negative.
TEST_F(TraceIoTest, PromptScores) {
  valid();
  meta(R"({"prompt_len": 5})");
  for (std::size_t heads : {2, 4}) {
    std::vector<float> sc(2 * heads * 5);
    for (std::size_t i = 0; i < sc.size(); ++i) sc[i] = 0.25f * i;
    npy::write(path("prompt_scores.npy"), DType::kFloat32, {2, heads, 5}, sc.data());
    const FloatTrace r = load_trace(dir_.string());
    EXPECT_EQ(r.prompt_score_heads, static_cast<int>(heads));
    EXPECT_EQ(r.prompt_scores, sc);
  }
  tensor("prompt_scores", {2, 3, 5});
  expect_error("prompt_scores.npy", "shape", "shape [2, 3, 5]; expected [L, Hkv or Hq, P] = [2, 2 or 4, 5]");
  tensor("prompt_scores", {2, 2, 4});
  expect_error("prompt_scores.npy", "shape", "expected [L, Hkv or Hq, P]");
  tensor("prompt_scores", {2, 2, 5, 1});
  expect_error("prompt_scores.npy", "shape", "rank 4");
  tensor("prompt_scores", {2, 2, 5}, 1.0f, DType::kFloat16);
  expect_error("prompt_scores.npy", "header.descr", "allowed: float32");
  std::vector<float> sc(2 * 2 * 5, 1.0f);
  sc[2 * 5 + 3] = -1.0f;
  npy::write(path("prompt_scores.npy"), DType::kFloat32, {2, 2, 5}, sc.data());
  expect_error("prompt_scores.npy", "data", "at [l,h,p] = [1, 0, 3]");
  sc[2 * 5 + 3] = std::numeric_limits<float>::infinity();
  npy::write(path("prompt_scores.npy"), DType::kFloat32, {2, 2, 5}, sc.data());
  expect_error("prompt_scores.npy", "data", "non-negative");
}

// Other tools' keys (a model name, a seed, the exporter) are kept and reported, not refused; the
// known keys stay strictly checked, and save_trace writes the unknown ones back unchanged.
TEST_F(TraceIoTest, UnknownMetaKeysAreKept) {
  valid();
  meta(R"({"prompt_len": 3, "model": "llama-3-8b", "seed": 7, "exporter": {"tool": "x", "v": [1, 2]}})");
  for (const FloatTrace& r : {load_trace(dir_.string()), open_trace(dir_.string())}) {
    EXPECT_EQ(r.shape.prompt, 3);
    const nlohmann::json u = unknown_meta(r.meta);
    ASSERT_EQ(u.size(), 3u);
    EXPECT_EQ(u["model"], "llama-3-8b");
    EXPECT_EQ(u["seed"], 7);
    EXPECT_EQ(u["exporter"]["v"][1], 2);
    EXPECT_FALSE(u.contains("prompt_len"));
  }
  FloatTrace r = load_trace(dir_.string());
  const fs::path again = dir_ / "again";
  save_trace(r, again.string(), DType::kFloat32);
  EXPECT_EQ(unknown_meta(load_trace(again.string()).meta), unknown_meta(r.meta));
  // Results list them in their trace section, with their values.
  nlohmann::json j = report_header("golden", load_config("dense"), dir_.string(), r.shape);
  add_trace_meta(j, r);
  EXPECT_EQ(j["trace"]["dir"], dir_.string());
  EXPECT_EQ(j["trace"]["unknown_meta"], unknown_meta(r.meta));
  EXPECT_EQ(j["trace"]["unknown_meta"]["model"], "llama-3-8b");
  // A known key with a wrong type is still an error naming the key, unknown keys or not.
  meta(R"({"prompt_len": "3", "model": "m"})");
  expect_error("meta.json", "prompt_len", "must be an integer");
  meta(R"({"description": 5, "model": "m"})");
  expect_error("meta.json", "description", "string");
}

TEST_F(TraceIoTest, MetaKeysAndSyntax) {
  valid();
  meta("{\"prompt_len\": 2,\n  oops}");
  expect_error("meta.json", "", "malformed JSON");
  expect_error("meta.json", "", "line 2");
  meta("[1, 2]");
  expect_error("meta.json", "", "JSON object");
  meta(R"({"description": 5})");
  expect_error("meta.json", "description", "string");
  meta(R"({"generator": [1]})");
  expect_error("meta.json", "generator", "object");
}

TEST_F(TraceIoTest, Scales) {
  valid();
  meta(R"({"scales": {"q": [[1, 1, 1, 1], [1, 1, 1, 1]], "k": [[1, 1], [1, 1]], "v": [[1, 1], [1, 1]]}})");
  expect_error("meta.json", "scales", "scales apply only to int8");

  tensor("q", {2, 4, 8, 3}, 1, DType::kInt8);
  tensor("k", {2, 2, 8, 3}, 1, DType::kInt8);
  tensor("v", {2, 2, 8, 3}, 1, DType::kInt8);
  meta(R"({"scales": {"q": [[1, 1, 1, 1], [1, 1, 1, 1]], "k": [[1, 1], [1, 1]]}})");
  expect_error("meta.json", "scales.v", "missing");
  meta(R"({"scales": {"q": [[1, 1, 1, 1], [1, 1, 1, 1]], "k": [[1, 1], [1, -2]], "v": [[1, 1], [1, 1]]}})");
  expect_error("meta.json", "scales.k[1][1]", "positive");
  meta(R"({"scales": {"q": [[1, 1, 1, 1]], "k": [[1, 1], [1, 1]], "v": [[1, 1], [1, 1]]}})");
  expect_error("meta.json", "scales.q", "L = 2 arrays of 4");
  meta(R"({"scales": {"q": [[1, 1, 1, 1], [1, 1, 1, 1]], "k": [[1, 1], [1, 1]], "v": [[1, 1], [1]]}})");
  expect_error("meta.json", "scales.v", "arrays of 2");
  meta(R"({"scales": {"q": [], "k": [], "v": [], "o": []}})");
  expect_error("meta.json", "scales.o", "unknown key");
}

// Softmax of logits q.k/sqrt(D) and the probability-weighted values, by hand: D = 4, so the
// logits of q = [2,0,0,0] against keys [1,..], [0,..], [-1,..] are 1, 0, -1.
TEST(Reference, MatchesHandComputation) {
  FloatTrace t;
  t.shape = {1, 2, 1, 4, 3, 1};  // two query heads share the one KV head
  t.q.assign(2 * 3 * 4, 0.0f);
  t.k = {1, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0};
  t.v = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
  t.q[(1 * 3 + 2) * 4] = 2;  // head 1, token 2
  std::vector<double> probs, out;
  reference_row(t, 0, 1, 2, probs, out);
  const double z = std::exp(1.0) + 1 + std::exp(-1.0);
  ASSERT_EQ(probs.size(), 3u);
  EXPECT_NEAR(probs[0], std::exp(1.0) / z, 1e-15);
  EXPECT_NEAR(probs[1], 1 / z, 1e-15);
  EXPECT_NEAR(probs[2], std::exp(-1.0) / z, 1e-15);
  ASSERT_EQ(out.size(), 4u);
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(out[d], probs[d], 1e-15);
  EXPECT_EQ(out[3], 0.0);
  reference_row(t, 0, 0, 1, probs, out);  // a zero query: uniform over tokens 0..1
  ASSERT_EQ(probs.size(), 2u);
  EXPECT_EQ(probs[0], 0.5);
  EXPECT_EQ(out[1], 0.5);
}

// Query head h reads KV head h / (Hq / Hkv); every row sums to 1.
TEST(Reference, GqaHeadMappingAndNormalization) {
  const FloatTrace t = random_trace(testing::test_seed(21), {2, 6, 3, 5, 9, 4});
  std::vector<double> probs, out;
  for (int l = 0; l < 2; ++l)
    for (int h = 0; h < 6; ++h)
      for (int tok = 0; tok < 9; ++tok) {
        reference_row(t, l, h, tok, probs, out);
        double sum = 0, mx = -1e300;
        std::vector<double> logit(tok + 1);
        for (int j = 0; j <= tok; ++j) {
          double dot = 0;
          for (int d = 0; d < 5; ++d) dot += double(t.q_row(l, h, tok)[d]) * t.k_row(l, h / 2, j)[d];
          mx = std::max(mx, logit[j] = dot / std::sqrt(5.0));
        }
        double z = 0;
        for (double x : logit) z += std::exp(x - mx);
        for (int j = 0; j <= tok; ++j) {
          sum += probs[j];
          EXPECT_NEAR(probs[j], std::exp(logit[j] - mx) / z, 1e-12);
        }
        EXPECT_NEAR(sum, 1.0, 1e-12);
        for (int d = 0; d < 5; ++d) {
          double o = 0;
          for (int j = 0; j <= tok; ++j) o += probs[j] * t.v_row(l, h / 2, j)[d];
          EXPECT_NEAR(out[d], o, 1e-12);
        }
      }
}

TEST(Reference, ForEachVisitsEveryRowOnceWithItsReference) {
  const FloatTrace t = random_trace(testing::test_seed(22), {3, 4, 2, 3, 10, 4});
  const Shape& s = t.shape;
  std::vector<std::atomic<int>> visits(static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads);
  std::atomic<int> mismatches{0};
  for_each_reference_row(t, [&](int step, int l, int h, const std::vector<double>& probs,
                                const std::vector<double>& out) {
    visits[(static_cast<std::size_t>(step) * s.layers + l) * s.q_heads + h]++;
    std::vector<double> p, o;
    reference_row(t, l, h, s.prompt + step, p, o);
    if (p != probs || o != out) mismatches++;
  });
  for (const auto& v : visits) EXPECT_EQ(v.load(), 1);
  EXPECT_EQ(mismatches.load(), 0);
}

// The vector kernels (ref_kernels.hpp) batch rows and block tokens: a context longer than a
// token block, T and D off the tile width, GQA groups and a batch that does not divide the rows,
// and still every row's bits are the scalar reference's; the listed-tokens form likewise.
TEST(Reference, ForEachIsBitExactAcrossTokenBlocksAndTiles) {
  const FloatTrace t = random_trace(testing::test_seed(23), {2, 6, 2, 20, 613, 590});
  const Shape& s = t.shape;
  std::atomic<int> rows{0}, mismatches{0};
  const auto check = [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>& out) {
    rows++;
    std::vector<double> p, o;
    reference_row(t, l, h, s.prompt + step, p, o);
    if (p != probs || o != out) mismatches++;
  };
  for_each_reference_row(t, check);
  EXPECT_EQ(rows.load(), s.steps() * s.layers * s.q_heads);
  for_each_reference_row(t, std::vector<int>{590, 600, 612}, check);
  EXPECT_EQ(rows.load(), (s.steps() + 3) * s.layers * s.q_heads);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_THROW(for_each_reference_row(t, std::vector<int>{589}, check), std::out_of_range);
}

// A head dimension that takes the output kernel's eight-vector pass and then single vectors
// (72 = 64 + 8), and a second task on the same thread, whose slab is reused at its old size.
TEST(Reference, ForEachIsBitExactAtWideHeadsAndReusedSlabs) {
  const FloatTrace t = random_trace(testing::test_seed(29), {2, 2, 2, 72, 200, 190});
  const Shape& s = t.shape;
  int rows = 0, mismatches = 0;
  omp_set_num_threads(1);
  for_each_reference_row(t, [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>& out) {
    ++rows;
    std::vector<double> p, o;
    reference_row(t, l, h, s.prompt + step, p, o);
    if (p != probs || o != out) ++mismatches;
  });
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(rows, s.steps() * s.layers * s.q_heads);
  EXPECT_EQ(mismatches, 0);
}

TEST(Reference, ForEachRethrowsTheVisitorsException) {
  const FloatTrace t = random_trace(1);
  EXPECT_THROW(for_each_reference_row(t, [](int, int, int, const std::vector<double>&,
                                            const std::vector<double>&) { throw std::runtime_error("stop"); }),
               std::runtime_error);
}

}  // namespace
}  // namespace sinkattn
