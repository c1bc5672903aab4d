// The configuration loader: every preset, the generated headers, and every kind of bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sinkattn/config.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/head_pattern.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/params/sinkattn.hpp"
#include "sinkattn/params/streamingllm.hpp"

namespace fs = std::filesystem;

namespace sinkattn {
namespace {

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sinkattn_cfg_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  // Loads `text` as a preset deriving from `base` and expects an InputError whose message
  // names `field` and contains `reason`.
  void expect_error(const std::string& text, const std::string& field, const std::string& reason) {
    const std::string p = write("bad.yaml", text);
    try {
      const Config c = load_config(p);
      (void)c;
      FAIL() << "no error for:\n" << text;
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("bad.yaml"), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
      EXPECT_NE(what.find(reason), std::string::npos) << what;
    }
  }
  fs::path dir_;
};

TEST(Presets, AllSixLoadWithTheirPublishedShape) {
  for (const char* name : {"dense", "streamingllm", "h2o", "spatten", "duo", "sinkattn"}) {
    const Config c = load_config(name);
    EXPECT_EQ(c.name, name);
  }
  const Config s = load_config("streamingllm");
  EXPECT_EQ(s.policy.sinks, 4);
  EXPECT_EQ(s.policy.default_head_policy, HeadPolicy::kStreaming);
  const Config h = load_config("h2o");
  EXPECT_EQ(h.policy.sinks, 0);
  EXPECT_EQ(h.policy.granularity, Granularity::kHead);
  EXPECT_FALSE(h.policy.cascade);
  const Config sp = load_config("spatten");
  EXPECT_TRUE(sp.policy.head_pruning && sp.policy.progressive_quant && sp.policy.cascade);
  EXPECT_EQ(sp.policy.window, 1);  // the token being generated, which SpAtten never prunes (docs/policy.md)
  EXPECT_TRUE(sp.policy.prefill_importance);  // the summarization stage prunes the prompt
  // duo names DuoAttention's released Llama-3.1-8B pattern (configs/duo), at sparsity 0.5.
  const Config d = load_config("duo");
  EXPECT_EQ(d.policy.retrieval_ratio, 0);
  EXPECT_EQ(fs::path(d.policy.pattern_file),
            fs::path(SINKATTN_SOURCE_CONFIG_DIR "/duo/Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv").lexically_normal());
  EXPECT_EQ(d.policy.pattern_sparsity, 0.5);
  EXPECT_EQ(d.policy.map.size(), 32u);
  EXPECT_EQ(load_config("dense").policy.default_head_policy, HeadPolicy::kRetrieval);
}

// The parameters each generated header must carry, read here from the preset YAML with
// yaml-cpp (a preset overrides its base field by field), without the configuration loader.
class PresetYaml {
 public:
  explicit PresetYaml(const std::string& name) {
    for (std::string n = name; !n.empty();) {
      chain_.push_back(YAML::LoadFile(std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/presets/" + n + ".yaml"));
      n = chain_.back()["base"] ? chain_.back()["base"].as<std::string>() : "";
    }
  }
  YAML::Node at(const std::string& path) const {  // dotted path, the nearest preset that sets it
    for (const YAML::Node& doc : chain_) {
      std::vector<YAML::Node> walk{doc};
      std::size_t from = 0;
      bool found = true;
      while (found && from <= path.size()) {
        const std::size_t dot = std::min(path.find('.', from), path.size());
        const YAML::Node next = walk.back()[path.substr(from, dot - from)];
        found = static_cast<bool>(next);
        if (found) walk.push_back(next);
        from = dot + 1;
      }
      if (found) return walk.back();
    }
    ADD_FAILURE() << "no preset in the chain sets " << path;
    return YAML::Node();
  }

 private:
  std::vector<YAML::Node> chain_;
};

std::vector<std::pair<std::string, long long>> expected_parameters(const std::string& preset) {
  const PresetYaml y(preset);
  auto i = [&](const char* path) { return y.at(path).as<long long>(); };
  auto b = [&](const char* path) { return static_cast<long long>(y.at(path).as<bool>()); };
  const bool list = y.at("policy.heavy_hitters.budget.schedule").as<std::string>() == "list";
  const double tau = y.at("policy.progressive_quant.tau").as<double>();
  return {
      {"HeadDim", i("hw.head_dim")},
      {"MaxTokens", i("hw.max_tokens")},
      {"MaxLayers", i("hw.max_layers")},
      {"MaxQHeads", i("hw.max_q_heads")},
      {"MaxKvHeads", i("hw.max_kv_heads")},
      {"SinkSramTokens", i("hw.sink_sram_tokens")},
      {"QkLanes", i("hw.qk_lanes")},
      {"PvLanes", i("hw.pv_lanes")},
      {"OutLanes", i("hw.out_lanes")},
      {"TopkParallelism", i("hw.topk_parallelism")},
      {"TopkLfsrSeed", i("hw.topk_lfsr_seed")},
      {"ScanWidth", i("hw.scan_width")},
      {"DramBytesPerCycle", i("hw.dram.bytes_per_cycle")},
      {"DramLatencyCycles", i("hw.dram.latency_cycles")},
      {"DramBurstBytes", i("hw.dram.burst_bytes")},
      {"Sinks", i("policy.sinks")},
      // docs/config.md: with window_includes_current false the window counts cached tokens only
      // and the engine's W is one more (the step's own token).
      {"Window", i("policy.window") + (b("policy.window_includes_current") ? 0 : 1)},
      {"BudgetTokens", list ? y.at("policy.heavy_hitters.budget.per_layer")[0].as<long long>()
                            : i("policy.heavy_hitters.budget.tokens")},
      {"GranularityHead", y.at("policy.heavy_hitters.granularity").as<std::string>() == "head"},
      {"Cascade", b("policy.heavy_hitters.cascade")},
      {"HeadPruning", b("policy.head_pruning.enabled")},
      {"HeadWarmupSteps", i("policy.head_pruning.warmup_steps")},
      {"ProgressiveQuant", b("policy.progressive_quant.enabled")},
      {"TauFx", std::max(1LL, static_cast<long long>(std::floor(tau * 32768 + 0.5)))},  // docs/numerics.md
  };
}

// Every "NAME = VALUE;" line of a generated file whose line matches `pattern` (two groups).
std::vector<std::pair<std::string, long long>> parse_generated(const std::string& path, const std::regex& pattern) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<std::pair<std::string, long long>> v;
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, pattern)) v.emplace_back(m[1], std::stoll(m[2]));
  return v;
}

TEST(Presets, GeneratedHeadersCarryTheYamlParameters) {
  const std::regex cpp(R"(\s*static constexpr long long k([A-Za-z0-9]+) = (-?[0-9]+);)");
  const std::regex sv(R"(localparam int ([A-Za-z0-9]+) = (-?[0-9]+);)");
  int presets = 0;
  for (const auto& e : fs::directory_iterator(std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/presets")) {
    const std::string name = e.path().stem().string();
    const auto want = expected_parameters(name);
    const std::string gen = SINKATTN_GEN_DIR;
    EXPECT_EQ(parse_generated(gen + "/include/sinkattn/params/" + name + ".hpp", cpp), want) << name << " (C++)";
    EXPECT_EQ(parse_generated(gen + "/rtl/params/sinkattn_params_" + name + ".svh", sv), want) << name << " (Verilog)";
    ++presets;
  }
  EXPECT_GE(presets, 7);
  // And the compiled traits are the ones in the text (the build includes what it generated).
  const auto value = [](const std::string& preset, const std::string& name) {
    for (const auto& [n, v] : expected_parameters(preset))
      if (n == name) return v;
    ADD_FAILURE() << preset << " has no parameter " << name;
    return -1LL;
  };
  EXPECT_EQ(params::sinkattn::kSinks, value("sinkattn", "Sinks"));
  EXPECT_EQ(params::streamingllm::kWindow, value("streamingllm", "Window"));
}

TEST(Ramp, NonIncreasingAndHitsBothEnds) {
  for (int layers = 1; layers <= 40; ++layers)
    for (double frac : {0.0, 0.15, 0.3, 0.5, 1.0}) {
      const auto r = ramp_schedule(layers, 128, 32, frac);
      ASSERT_EQ(static_cast<int>(r.size()), layers);
      for (int l = 1; l < layers; ++l) EXPECT_LE(r[l], r[l - 1]);
      const int flat = static_cast<int>(std::ceil(frac * layers - 1e-9));
      for (int l = 0; l < std::min(flat, layers); ++l) EXPECT_EQ(r[l], 128) << layers << " " << frac;
      if (flat < layers) {
        EXPECT_EQ(r.back(), 32) << layers << " " << frac;
      }
    }
  // SpAtten's shape: the first 15% of 32 layers (5) unpruned.
  const auto r = ramp_schedule(32, 100, 20, 0.15);
  EXPECT_EQ(r[4], 100);
  EXPECT_LT(r[5], 100);
}

TEST(Plan, ResolvesBudgetsHeadsAndMap) {
  const Shape shape{8, 8, 4, 64, 512, 256};
  const Plan p = make_plan(load_config("sinkattn"), shape, "trace");
  EXPECT_EQ(p.budget.front(), 64);
  EXPECT_EQ(p.budget.back(), 48);
  EXPECT_EQ(p.heads_keep.front(), 8);
  EXPECT_EQ(p.heads_keep.back(), 7);
  // duo's hash fallback, chosen explicitly (configs/duo/duo_hash.yaml): half of each layer.
  const Config hash = load_config(SINKATTN_SOURCE_CONFIG_DIR "/duo/duo_hash.yaml");
  EXPECT_EQ(hash.name, "duo_hash");
  EXPECT_TRUE(hash.policy.pattern_file.empty());
  EXPECT_TRUE(hash.policy.map.empty());
  const Plan duo = make_plan(hash, shape, "trace");
  for (int l = 0; l < 8; ++l) {
    int retrieval = 0;
    for (int g = 0; g < 4; ++g) retrieval += duo.policy(l, g) == HeadPolicy::kRetrieval;
    EXPECT_EQ(retrieval, 2) << "layer " << l;
  }
  // Everything but the head choice is the duo preset's.
  const Config real = load_config("duo");
  EXPECT_EQ(hash.policy.sinks, real.policy.sinks);
  EXPECT_EQ(hash.policy.window, real.policy.window);
  EXPECT_EQ(hash.policy.default_head_policy, real.policy.default_head_policy);
  EXPECT_EQ(parameter_list(hash), parameter_list(real));
}

// The duo preset on a trace that is not Llama-3.1-8B's shape: refused, naming the preset file,
// the field, the pattern file, both shapes and the way out; no clamp, no silent fallback.
TEST(Plan, DuoRefusesATraceOfAnotherShape) {
  const std::string preset = fs::path(SINKATTN_SOURCE_CONFIG_DIR "/presets/duo.yaml").lexically_normal().string();
  for (const Shape& shape : {Shape{8, 8, 4, 64, 512, 256}, Shape{32, 8, 4, 16, 64, 32}, Shape{16, 8, 8, 16, 64, 32}}) {
    try {
      make_plan(load_config("duo"), shape, "small trace");
      FAIL() << "a " << shape.layers << " x " << shape.kv_heads << " trace against the 32 x 8 pattern";
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_EQ(fs::path(e.file()).lexically_normal().string(), preset) << what;
      EXPECT_EQ(e.field(), "policy.head_policy.pattern_file") << what;
      for (const std::string& want :
           {std::string("Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv"), std::string("32 layers x 8 KV heads"),
            "trace small trace has " + std::to_string(shape.layers) + " layers x " + std::to_string(shape.kv_heads) +
                " KV heads",
            std::string("configs/duo/duo_hash.yaml"), std::string("presets/duo.yaml:")})
        EXPECT_NE(what.find(want), std::string::npos) << "no '" << want << "' in: " << what;
    }
  }
  EXPECT_NO_THROW(make_plan(load_config("duo"), Shape{32, 8, 8, 16, 64, 32}, "llama-shaped trace"));
}

TEST_F(ConfigFiles, MalformedYaml) { expect_error("name: x\npolicy: [1, 2\n", "", "malformed YAML"); }
// Found by fuzz_config (fuzz/regressions/config/nonscalar_key.yaml): a list as a mapping key is
// legal YAML and escaped as a bare yaml-cpp conversion error (exit 1, "internal").
TEST_F(ConfigFiles, NonScalarKey) {
  expect_error("name: x\nbase: sinkattn\n? [a, b]\n: 3\n", "(top level)", "a key must be a plain field name");
  expect_error("name: x\nbase: base\npolicy:\n  ? {a: 1}\n  : 3\n", "policy", "a key must be a plain field name");
}
TEST_F(ConfigFiles, UnknownTopLevelField) { expect_error("name: x\nbase: base\nsinks: 4\n", "sinks", "unknown field"); }
TEST_F(ConfigFiles, UnknownNestedField) {
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    defualt: topk\n", "policy.head_policy.defualt",
               "unknown field; expected one of: default, map, map_seed, pattern_file, pattern_sparsity, retrieval_ratio");
}
TEST_F(ConfigFiles, OutOfRange) { expect_error("name: x\nbase: base\nhw:\n  qk_lanes: 0\n", "hw.qk_lanes", "out of range"); }
TEST_F(ConfigFiles, WrongType) { expect_error("name: x\nbase: base\npolicy:\n  sinks: four\n", "policy.sinks", "must be an integer"); }
TEST_F(ConfigFiles, FloatForInteger) { expect_error("name: x\nbase: base\npolicy:\n  window: 1.5\n", "policy.window", "must be an integer"); }
TEST_F(ConfigFiles, NanTau) {
  expect_error("name: x\nbase: base\npolicy:\n  progressive_quant:\n    tau: .nan\n", "policy.progressive_quant.tau", "out of range");
}
TEST_F(ConfigFiles, BadEnum) {
  expect_error("name: x\nbase: base\npolicy:\n  heavy_hitters:\n    granularity: layer\n", "policy.heavy_hitters.granularity",
               "not one of: token, head");
}
TEST_F(ConfigFiles, IncreasingBudgetList) {
  expect_error("name: x\nbase: base\npolicy:\n  heavy_hitters:\n    budget:\n      schedule: list\n      per_layer: [64, 32, 48]\n",
               "policy.heavy_hitters.budget.per_layer", "non-increasing");
}
TEST_F(ConfigFiles, RampMinAboveTop) {
  expect_error("name: x\nbase: base\npolicy:\n  heavy_hitters:\n    budget:\n      schedule: ramp\n      tokens: 16\n      min_tokens: 32\n",
               "policy.heavy_hitters.budget.min_tokens", "non-increasing");
}
TEST_F(ConfigFiles, PerLayerWithoutListSchedule) {
  expect_error("name: x\nbase: base\npolicy:\n  heavy_hitters:\n    budget:\n      per_layer: [8]\n",
               "policy.heavy_hitters.budget.per_layer", "only read with schedule 'list'");
}
TEST_F(ConfigFiles, SinksPlusWindowMustFitCache) {
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 96\npolicy:\n  sinks: 4\n  window: 100\n", "policy.window", "must fit the KV cache");
}
TEST_F(ConfigFiles, SinksMustFitSinkSram) {
  expect_error("name: x\nbase: base\npolicy:\n  sinks: 9\n", "policy.sinks", "do not fit hw.sink_sram_tokens");
}
TEST_F(ConfigFiles, MapAndRatioConflict) {
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    retrieval_ratio: 0.5\n    map: [RS]\n",
               "policy.head_policy.retrieval_ratio", "not both");
}
TEST_F(ConfigFiles, StreamingHeadsNeedASinkOrAWindow) {
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    default: streaming\n", "policy.window",
               "attend no token");
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    map: [RT, TS]\n", "policy.window", "attend no token");
}
// The peers' recent_size: cached tokens, the step's own token on top.
TEST_F(ConfigFiles, WindowIncludesCurrent) {
  const Config a = load_config(write("a.yaml", "name: a\nbase: base\npolicy:\n  window: 7\n"));
  EXPECT_EQ(a.policy.window, 7);
  const Config b =
      load_config(write("b.yaml", "name: b\nbase: base\npolicy:\n  window: 7\n  window_includes_current: false\n"));
  EXPECT_EQ(b.policy.window, 8);
  EXPECT_EQ(load_config("streamingllm").policy.window, 125);  // StartRecentKVCache(4, 124)
  expect_error("name: x\nbase: base\npolicy:\n  window_includes_current: 2\n", "policy.window_includes_current",
               "true or false");
}

// DuoAttention's released head pattern (configs/duo), thresholded as sparsify_attention_heads does.
// The expected counts were computed with NumPy from the same file, independently of the loader:
//   a = np.clip(np.loadtxt(F, delimiter="\t"), 0, 1); m = a >= np.quantile(a, s); m.sum(1)
TEST(HeadPattern, ShippedLlamaPatternThresholdsAsDuoAttention) {
  const std::string dir = std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/duo/";
  const HeadPattern p = read_head_pattern(dir + "Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv");
  ASSERT_EQ(p.layers, 32);
  ASSERT_EQ(p.kv_heads, 8);
  auto per_layer = [](const std::vector<std::string>& map) {
    std::vector<int> n;
    for (const std::string& row : map) n.push_back(static_cast<int>(std::count(row.begin(), row.end(), 'R')));
    return n;
  };
  EXPECT_EQ(per_layer(threshold_head_pattern(p, 0.5)),
            (std::vector<int>{2, 3, 4, 1, 4, 2, 2, 6, 4, 6, 5, 5, 2, 8, 4, 5, 4, 6, 3, 4, 5, 2, 4, 5, 3, 3, 3, 4, 5, 5, 8, 1}));
  // At 0.75 nine gates tie at the threshold (0.99609375): DuoAttention's tie-breaking noise keeps
  // 64 heads, chosen at random among the tied ones; this keeps every tied head (docs/policy.md),
  // 66, as NumPy without the noise does.
  EXPECT_EQ(per_layer(threshold_head_pattern(p, 0.75)),
            (std::vector<int>{0, 3, 1, 1, 0, 0, 2, 3, 3, 4, 3, 3, 0, 4, 2, 5, 4, 2, 2, 0, 2, 1, 2, 2, 1, 1, 0, 3, 1, 4, 7, 0}));
  for (const std::string& row : threshold_head_pattern(p, 0.0)) EXPECT_EQ(row, "RRRRRRRR");
  for (const std::string& row : threshold_head_pattern(p, 1.0)) EXPECT_EQ(row, "SSSSSSSS");

  // The deployed sizes of DuoAttention's paper (64 sinks, 256 recent), same pattern.
  const Config deployed = load_config(dir + "llama31_8b_deployed.yaml");
  EXPECT_EQ(deployed.policy.map, threshold_head_pattern(p, 0.5));
  EXPECT_EQ(deployed.policy.sinks, 64);
  EXPECT_EQ(deployed.policy.window, 257);
  EXPECT_EQ(deployed.hw.sink_sram_tokens, 64);

  const Config c = load_config(dir + "llama31_8b.yaml");
  EXPECT_EQ(c.policy.map, threshold_head_pattern(p, 0.5));
  EXPECT_EQ(c.policy.sinks, 128);
  EXPECT_EQ(c.policy.window, 257);  // recent_size 256 + the step's own token
  const Plan plan = make_plan(c, Shape{32, 32, 8, 128, 1024, 512}, "llama trace");
  EXPECT_EQ(plan.policy(13, 7), HeadPolicy::kRetrieval);  // layer 13: all eight heads
  EXPECT_EQ(plan.policy(31, 0), HeadPolicy::kStreaming);  // gate 0.89 < 0.951
  try {
    make_plan(c, Shape{2, 4, 2, 16, 96, 40}, "small trace");
    FAIL() << "a 2-layer trace against a 32-layer head pattern";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "policy.head_policy.pattern_file");
    EXPECT_NE(std::string(e.what()).find("Meta-Llama-3.1-8B-Instruct"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("32 layers"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigFiles, BadHeadPatternFiles) {
  auto expect_pattern_error = [&](const std::string& tsv, const std::string& field, const std::string& reason) {
    const std::string f = write("gates.tsv", tsv);
    try {
      load_config(write("p.yaml", "name: p\nbase: base\npolicy:\n  head_policy:\n    pattern_file: gates.tsv\n"));
      FAIL() << "no error for:\n" << tsv;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), f) << e.what();
      EXPECT_EQ(e.field(), field) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  expect_pattern_error("0.5\t0.25\n0.75\n", "line 2", "has 1 values but the first layer has 2");
  expect_pattern_error("0.5\tabc\n", "line 1, column 2", "'abc' is not a number");
  expect_pattern_error("0.5\tnan\n", "line 1, column 2", "finite");
  expect_pattern_error("0.5\t\t0.25\n", "line 1, column 2", "is not a number");
  expect_pattern_error("\n\n", "file", "no gate values");
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    pattern_file: nosuch.tsv\n",
               "policy.head_policy.pattern_file", "no such head-pattern file");
  write("ok.tsv", "0.5\t0.25\n");
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    pattern_file: ok.tsv\n    retrieval_ratio: 0.5\n",
               "policy.head_policy.pattern_file", "not both");
  // On top of duo, a retrieval_ratio alone is refused too, and the error says how to get the
  // hash fallback.
  expect_error("name: x\nbase: duo\npolicy:\n  head_policy:\n    retrieval_ratio: 0.5\n",
               "policy.head_policy.pattern_file", "set pattern_file: \"\" as well");
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    pattern_file: ok.tsv\n    map: [RS]\n",
               "policy.head_policy.pattern_file", "not both");
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    pattern_sparsity: 1.5\n",
               "policy.head_policy.pattern_sparsity", "out of range");
  // A good one: the gate >= the median is retrieval.
  const Config c = load_config(
      write("good.yaml", "name: g\nbase: base\npolicy:\n  window: 4\n  head_policy:\n    pattern_file: ok.tsv\n"));
  EXPECT_EQ(c.policy.map, (std::vector<std::string>{"RS"}));
}

// Where a pattern_file is looked up: relative to the YAML file that sets it, whatever the working
// directory (a preset's, through a user's file that names it as base, and a user's own); an
// override, which has no file (--set), relative to the working directory.
TEST_F(ConfigFiles, PatternFileIsRelativeToTheFileThatSetsIt) {
  const fs::path cwd = fs::current_path();
  fs::create_directories(dir_ / "elsewhere");
  fs::current_path(dir_ / "elsewhere");
  const std::string shipped =
      fs::path(SINKATTN_SOURCE_CONFIG_DIR "/duo/Meta-Llama-3.1-8B-Instruct.full_attention_heads.tsv").lexically_normal().string();
  EXPECT_EQ(load_config("duo").policy.pattern_file, shipped);
  const Config mine = load_config(write("mine.yaml", "name: mine\nbase: duo\npolicy:\n  sinks: 2\n"));
  EXPECT_EQ(mine.policy.pattern_file, shipped);
  try {
    make_plan(mine, Shape{2, 2, 2, 16, 64, 32}, "t");
    ADD_FAILURE() << "a 2 x 2 trace against the shipped 32 x 8 pattern";
  } catch (const InputError& e) {
    // The file the user gave, and where the value was set.
    EXPECT_EQ(e.file(), (dir_ / "mine.yaml").string()) << e.what();
    EXPECT_NE(std::string(e.what()).find("(set at " + fs::path(SINKATTN_SOURCE_CONFIG_DIR "/presets/duo.yaml").lexically_normal().string() + ":"),
              std::string::npos) << e.what();
  }
  fs::create_directories(dir_ / "cfg");
  write("cfg/own.tsv", "0.9\t0.1\n0.2\t0.8\n");
  const Config own = load_config(write("cfg/own.yaml", "name: own\nbase: duo\npolicy:\n  head_policy:\n    pattern_file: own.tsv\n"));
  EXPECT_EQ(own.policy.pattern_file, (dir_ / "cfg/own.tsv").string());
  EXPECT_EQ(own.policy.map, (std::vector<std::string>{"RS", "SR"}));
  EXPECT_NO_THROW(make_plan(own, Shape{2, 2, 2, 16, 64, 32}, "t"));
  // An override: relative to the working directory.
  write("elsewhere/cli.tsv", "0.1\t0.9\n");
  const Config cli = load_config("duo", {{"policy.head_policy.pattern_file", "cli.tsv", "command line --set"}});
  EXPECT_EQ(cli.policy.pattern_file, (dir_ / "elsewhere/cli.tsv").string());
  EXPECT_EQ(cli.policy.map, (std::vector<std::string>{"SR"}));
  fs::current_path(cwd);
}

TEST_F(ConfigFiles, MapLetters) {
  expect_error("name: x\nbase: base\npolicy:\n  head_policy:\n    map: [RX]\n", "policy.head_policy.map", "R, S and T");
}
TEST_F(ConfigFiles, LfsrSeedZero) { expect_error("name: x\nbase: base\nhw:\n  topk_lfsr_seed: 0\n", "hw.topk_lfsr_seed", "out of range"); }
TEST_F(ConfigFiles, TopkNeedsTwoComparators) { expect_error("name: x\nbase: base\nhw:\n  topk_parallelism: 1\n", "hw.topk_parallelism", "out of range"); }
TEST_F(ConfigFiles, MaxTokensWithinTheContextLimit) { expect_error("name: x\nbase: base\nhw:\n  max_tokens: 16777216\n", "hw.max_tokens", "out of range"); }
TEST_F(ConfigFiles, MaxTokensPerTokenStoreAddress) {
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 131072\n  max_layers: 128\n  max_q_heads: 128\n  max_kv_heads: 128\n",
               "hw.max_tokens", "31-bit address");
}
TEST_F(ConfigFiles, MaxTokensOfALongContext) {
  // A million-token context at the default preset's other limits: 5 + 5 + 20 address bits.
  EXPECT_EQ(load_config(write("long.yaml", "name: long\nbase: base\nhw:\n  max_tokens: 1048576\n")).hw.max_tokens, 1 << 20);
}
TEST_F(ConfigFiles, ImportanceWidthOverflows) { expect_error("name: x\nbase: base\nhw:\n  max_tokens: 131072\n  max_layers: 255\n  max_q_heads: 255\n", "hw.max_tokens", "importance"); }
// One past what the host contract's layer and head fields hold (2^layer_bits, 2^head_bits).
TEST_F(ConfigFiles, LayersAndHeadsFitTheHostContractFields) {
  const std::string layers = std::to_string(1 << host::kLayerBits), heads = std::to_string(1 << host::kHeadBits);
  expect_error("name: x\nbase: base\nhw:\n  max_layers: " + layers + "\n", "hw.max_layers", "out of range");
  expect_error("name: x\nbase: base\nhw:\n  max_q_heads: " + heads + "\n", "hw.max_q_heads", "out of range");
  expect_error("name: x\nbase: base\nhw:\n  max_kv_heads: " + heads + "\n", "hw.max_kv_heads", "out of range");
  // The largest they hold is accepted (max_kv_heads <= max_q_heads).
  const std::string most_heads = std::to_string((1 << host::kHeadBits) - 1);
  const Config c = load_config(write("most.yaml", "name: x\nbase: base\nhw:\n  max_q_heads: " + most_heads +
                                                        "\n  max_kv_heads: " + most_heads + "\n"));
  EXPECT_EQ(c.hw.max_kv_heads, (1 << host::kHeadBits) - 1);
}
TEST_F(ConfigFiles, MaxTokensFillsTheTopkBanks) {
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 100\n", "hw.max_tokens", "not a multiple of hw.topk_parallelism");
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 16\n", "hw.max_tokens", "of at least two");
}
TEST_F(ConfigFiles, ScanWidthIsAWholeWordOfTheBitmap) {
  expect_error("name: x\nbase: base\nhw:\n  scan_width: 0\n", "hw.scan_width", "out of range");
  expect_error("name: x\nbase: base\nhw:\n  scan_width: 128\n", "hw.scan_width", "out of range");
  expect_error("name: x\nbase: base\nhw:\n  scan_width: 6\n", "hw.scan_width", "power of two");
  // 2504 = 8 x 313: a multiple of 8, not of 16.
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 2504\n  topk_parallelism: 8\n  scan_width: 16\n",
               "hw.scan_width", "does not divide hw.max_tokens");
  expect_error("name: x\nbase: base\nhw:\n  max_tokens: 64\n  topk_parallelism: 4\n  scan_width: 64\n",
               "hw.scan_width", "two words at least");
}
TEST_F(ConfigFiles, OutLanesDivideTheHeadDim) {
  expect_error("name: x\nbase: base\nhw:\n  out_lanes: 0\n", "hw.out_lanes", "out of range");
  expect_error("name: x\nbase: base\nhw:\n  out_lanes: 24\n", "hw.out_lanes", "does not divide hw.head_dim (128)");
  // A smaller head inherits the base's 16 lanes, which it must still be a multiple of.
  expect_error("name: x\nbase: base\nhw:\n  head_dim: 24\n", "hw.out_lanes", "does not divide hw.head_dim (24)");
}
TEST_F(ConfigFiles, NotPowerOfTwo) { expect_error("name: x\nbase: base\nhw:\n  topk_parallelism: 12\n", "hw.topk_parallelism", "power of two"); }
TEST_F(ConfigFiles, UnknownBase) { expect_error("name: x\nbase: nosuch\n", "base", "no preset named 'nosuch'"); }
TEST_F(ConfigFiles, MissingName) { expect_error("base: base\n", "name", "missing"); }
TEST_F(ConfigFiles, MissingFieldsWithoutBase) { expect_error("name: x\ndescription: y\n", "hw.", "missing"); }
TEST_F(ConfigFiles, InheritanceLoop) {
  write("a.yaml", "name: a\nbase: bad.yaml\n");
  expect_error("name: bad\nbase: a.yaml\n", "base", "loops back");
}
TEST_F(ConfigFiles, DerivedFileOverridesLeafByLeaf) {
  const std::string p = write("mine.yaml", "name: mine\nbase: sinkattn\npolicy:\n  window: 16\n");
  const Config c = load_config(p);
  EXPECT_EQ(c.policy.window, 16);
  EXPECT_EQ(c.policy.sinks, 4);  // inherited from sinkattn
  EXPECT_TRUE(c.policy.progressive_quant);
}
TEST_F(ConfigFiles, UnknownPresetName) {
  try {
    load_config("nosuchpreset");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("neither a file nor a preset name"), std::string::npos);
  }
}

TEST(Plan, TraceMustFitTheHardware) {
  const Config c = load_config("sinkattn");
  try {
    make_plan(c, Shape{4, 8, 2, 64, 100000, 10}, "mytrace");
    FAIL();
  } catch (const InputError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("mytrace"), std::string::npos);
    EXPECT_NE(w.find("hw.max_tokens"), std::string::npos);
  }
  EXPECT_THROW(make_plan(c, Shape{4, 6, 4, 64, 512, 10}, "t"), InputError);  // Hq not a multiple of Hkv
}

TEST_F(ConfigFiles, ListLengthMustMatchTraceLayers) {
  const std::string p = write("list.yaml",
                              "name: l\nbase: sinkattn\npolicy:\n  heavy_hitters:\n    budget:\n      schedule: list\n"
                              "      per_layer: [64, 32]\n");
  const Config c = load_config(p);
  try {
    make_plan(c, Shape{4, 8, 2, 64, 512, 256}, "tr");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has 2 entries but trace tr has 4 layers"), std::string::npos) << e.what();
  }
}


// Soak case 56 (seed 20261204): top-k heads with no sink, no window and a budget of 0 under
// cascade leave the second layer's rows with no token; the plan refuses it, naming the field.
TEST_F(ConfigFiles, CascadeWithoutSinkOrWindowNeedsABudget) {
  const std::string base = "name: c\nbase: sinkattn\npolicy:\n  sinks: 0\n  window: 0\n  head_policy:\n    default: topk\n"
                           "  heavy_hitters:\n    cascade: CASCADE\n    budget:\n      schedule: constant\n"
                           "      tokens: K\n      min_tokens: K\n";
  const auto config = [&](const std::string& cascade, const std::string& k) {
    std::string y = base;
    y.replace(y.find("CASCADE"), 7, cascade);
    for (std::size_t at; (at = y.find(" K\n")) != std::string::npos;) y.replace(at, 3, " " + k + "\n");
    return load_config(write("c" + cascade + k + ".yaml", y));
  };
  const Shape two_layers{2, 2, 2, 16, 46, 38};
  try {
    make_plan(config("true", "0"), two_layers, "tr");
    FAIL() << "a budget of 0 under cascade with no sink and no window was accepted";
  } catch (const InputError& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("policy.heavy_hitters.budget.tokens"), std::string::npos) << w;
    EXPECT_NE(w.find("attend no token"), std::string::npos) << w;
  }
  // Each of these gives every row a token: without cascade a layer reads the token that just
  // left the window; a budget of 1 keeps one; on one layer nothing is deeper.
  EXPECT_NO_THROW(make_plan(config("false", "0"), two_layers, "tr"));
  EXPECT_NO_THROW(make_plan(config("true", "1"), two_layers, "tr"));
  EXPECT_NO_THROW(make_plan(config("true", "0"), Shape{1, 2, 2, 16, 46, 38}, "tr"));
}

// set_rtl_parameter inverts rtl_parameter_list (the RTL runner rebuilds its hardware from its
// generated traits with it): every preset's hardware survives the round trip, from defaults
// that differ in every field, and a name that is not the top's sets nothing.
TEST(Presets, RtlParameterListRoundTrips) {
  for (const std::string& name : preset_names()) {
    const Config cfg = load_config(name);
    HwConfig h;
    for (const auto& kv : rtl_parameter_list(h)) ASSERT_TRUE(set_rtl_parameter(h, kv.first, -1)) << kv.first;
    for (const auto& [key, value] : rtl_parameter_list(cfg.hw)) EXPECT_TRUE(set_rtl_parameter(h, key, value)) << key;
    EXPECT_EQ(rtl_parameter_list(h), rtl_parameter_list(cfg.hw)) << name;
    EXPECT_FALSE(set_rtl_parameter(h, "Window", 3)) << name;
    EXPECT_EQ(rtl_parameter_list(h), rtl_parameter_list(cfg.hw)) << name;
  }
}

// The header an on-demand Verilation of the top is built from (rtl_hardware_header) carries the
// same hardware values as each preset's generated header; each preset's generated CMake fragment
// names exactly those parameters as the top's (cmake/SinkattnTop.cmake passes them by these
// names) and the traits header the RTL runner includes.
TEST(Presets, RtlHardwareHeaderMatchesGeneratedHeadersAndCMake) {
  const std::regex sv(R"(localparam int ([A-Za-z0-9]+) = (-?[0-9]+);)");
  const std::regex top_names(R"(set\(SINKATTN_PARAM_TOP_NAMES ([A-Za-z0-9 ]+)\))");
  const std::regex traits(R"re(set\(SINKATTN_PARAM_TRAITS_HEADER "([^"]+)"\)\nset\(SINKATTN_PARAM_TRAITS ([A-Za-z0-9_:]+)\))re");
  std::string listed;
  for (const auto& kv : rtl_parameter_list(HwConfig{})) listed += (listed.empty() ? "" : " ") + kv.first;
  const fs::path tmp = fs::temp_directory_path() / ("rtl_hw_header_" + std::to_string(::getpid()) + ".svh");
  for (const std::string& name : preset_names()) {
    const Config cfg = load_config(name);
    std::ofstream(tmp) << rtl_hardware_header(cfg.hw);
    const auto hw = parse_generated(tmp.string(), sv);
    const std::string gen = std::string(SINKATTN_GEN_DIR) + "/rtl/params/sinkattn_params_" + name;
    const auto all = parse_generated(gen + ".svh", sv);
    EXPECT_EQ(hw, rtl_parameter_list(cfg.hw)) << name;
    for (const auto& kv : hw) EXPECT_NE(std::find(all.begin(), all.end(), kv), all.end()) << name << ": " << kv.first;
    std::ifstream in(gen + ".cmake");
    ASSERT_TRUE(in) << gen << ".cmake";
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(s, m, top_names)) << name;
    EXPECT_EQ(m[1].str(), listed) << name;
    ASSERT_TRUE(std::regex_search(s, m, traits)) << name;
    EXPECT_EQ(m[1].str(), "sinkattn/params/" + name + ".hpp") << name;
    EXPECT_EQ(m[2].str(), "sinkattn::params::" + name) << name;
    EXPECT_TRUE(fs::exists(std::string(SINKATTN_GEN_DIR) + "/include/" + m[1].str())) << name;
  }
  fs::remove(tmp);
}

}  // namespace
}  // namespace sinkattn
