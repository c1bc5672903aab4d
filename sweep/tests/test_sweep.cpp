// The sweep library without processes: sweep files and their errors, the point space, random
// and NSGA-II determinism, constraints, keys, the store, and the Pareto front against brute force.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "sinkattn/error.hpp"
#include "sinkattn/sweep/export.hpp"
#include "sinkattn/sweep/pareto.hpp"
#include "sinkattn/sweep/search.hpp"
#include "sinkattn/sweep/space.hpp"
#include "sinkattn/sweep/spec.hpp"
#include "sinkattn/sweep/store.hpp"

namespace fs = std::filesystem;
using namespace sinkattn;
using namespace sinkattn::sweep;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sweep_test_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kValid = R"(name: t
base: sinkattn
axes:
  hw.qk_lanes: {pow2: [2, 16]}
  policy.window: {range: [8, 20, 4]}
  policy.sinks: [0, 4]
workloads:
  - name: w
    gen: {layers: 2, q_heads: 2, kv_heads: 1, head_dim: 16, tokens: 48, prompt: 32}
objectives:
  - {metric: dram_bytes, goal: min}
  - {metric: cosine_mean, goal: max}
)";

// The message of the InputError that loading `text` throws.
std::string error_of(const std::string& text) {
  TempDir d;
  const std::string f = d.file("bad.yaml", text);
  try {
    load_sweep(f);
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kValid;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST(SweepSpec, AxesExpandListsRangesAndPowersOfTwo) {
  TempDir d;
  const SweepSpec s = load_sweep(d.file("s.yaml", kValid));
  ASSERT_EQ(s.axes.size(), 3u);
  EXPECT_EQ(s.axes[0].values, (std::vector<std::string>{"2", "4", "8", "16"}));
  EXPECT_EQ(s.axes[1].values, (std::vector<std::string>{"8", "12", "16", "20"}));
  EXPECT_EQ(s.axes[2].values, (std::vector<std::string>{"0", "4"}));
  EXPECT_EQ(grid_size(s), 32);
  EXPECT_EQ(s.strategy.kind, StrategyKind::kGrid);
  EXPECT_EQ(s.fidelity, sweep::Fidelity::kGolden);
}

// A head-pattern file on an axis is relative to the sweep file and made absolute when it is read,
// so that a point resolves it the same from any working directory (a worker's --set, a Slurm
// job's); "" (no file) stays, and the point with it runs duo's hash fallback.
TEST(SweepSpec, PatternFileAxisIsRelativeToTheSweepFile) {
  TempDir d;
  fs::create_directories(d.path() + "/gates");
  d.file("gates/g.tsv", "0.9\t0.1\n0.2\t0.8\n");
  const SweepSpec s = load_sweep(d.file("s.yaml", with("axes:\n", "axes:\n  base: [duo]\n  policy.head_policy.pattern_file: [gates/g.tsv]\n")));
  const std::string abs = (fs::path(d.path()) / "gates/g.tsv").string();
  ASSERT_EQ(s.axes[1].path, "policy.head_policy.pattern_file");
  EXPECT_EQ(s.axes[1].values, (std::vector<std::string>{abs}));
  const fs::path cwd = fs::current_path();
  fs::current_path("/");
  const Resolved r = resolve(s, Point(s.axes.size(), 0));
  fs::current_path(cwd);
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_EQ(r.cfg.policy.pattern_file, abs);
  EXPECT_EQ(r.cfg.policy.map, (std::vector<std::string>{"RS", "SR"}));
}

TEST(SweepSpec, BadFilesNameFileLineFieldAndReason) {
  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {with("hw.qk_lanes: {pow2: [2, 16]}", "hw.qk_lane: [2]"), "bad.yaml:4: axes.hw.qk_lane: not a configuration field"},
      {with("{pow2: [2, 16]}", "{pow2: [3, 16]}"), "bad.yaml:4: axes.hw.qk_lanes.pow2: low and high must be powers of two"},
      {with("{range: [8, 20, 4]}", "{range: [20, 8]}"), "bad.yaml:5: axes.policy.window.range: stop 8 is below start 20"},
      {with("[0, 4]", "[4, 4]"), "bad.yaml:6: axes.policy.sinks: value 4 is listed twice"},
      {with("metric: dram_bytes", "metric: dram"), "bad.yaml:11: objectives[0].metric: 'dram' is not a metric"},
      {with("metric: dram_bytes", "metric: cycles"), "bad.yaml:11: objectives[0].metric: 'cycles' needs fidelity systemc or rtl"},
      {with("base: sinkattn", "base: nosuch"), "bad.yaml:2: base: does not load"},
      {with("name: t", "name: t\nstrategy: {kind: nsga2, population: 10, generations: 2}"),
       "strategy.population: pagmo's NSGA-II needs a multiple of 4"},
      {with("name: t", "name: t\nconstraints: [\"policy.window +\"]"), "bad.yaml:2: constraints[0]: 'policy.window +'"},
      {with("name: t", "name: t\nconstraints: [\"hw.nosuch > 1\"]"), "constraints[0]: 'hw.nosuch > 1': Unexpected token"},
      {with("tokens: 48", "tokens: 48, warp: 2"), "workloads[0].gen.warp: unknown field"},
      {with("prompt: 32", "prompt: 64"), "workloads[0].gen.prompt"},
      {with("name: t", "name: t\nfidelity: gate"), "bad.yaml:2: fidelity: must be golden, systemc or rtl"},
      {with("name: t", "name: t\nstrategy: {kind: random}"), "strategy.count: missing"},
      {with("name: t", "name: t\njobs: 0"), "bad.yaml:2: jobs: 0 is out of range"},
      {with("name: t", "name: t\nspeed: 3"), "bad.yaml:2: speed: unknown field"},
      {with("policy.sinks: [0, 4]", "[policy.sinks]: [0, 4]"), "bad.yaml:6: axes: a key must be a plain name, got '[policy.sinks]'"},
      {with("{range: [8, 20, 4]}", "{range: , [8, 20]}"), "bad.yaml:5: axes.policy.window: a key must be a plain name"},
      {with("[0, 4]", "[0, \"\xcd\xcd\"]"), "bad.yaml:6: not UTF-8 text: byte 0xCD does not start a valid UTF-8 character"},
      {with("name: t", "name: \"\xe2\x82\""), "bad.yaml:1: not UTF-8 text: byte 0xE2"},
      {with("name: t", "name: \"\xed\xa0\x80\""), "bad.yaml:1: not UTF-8 text: byte 0xED"},
  };
  for (const auto& c : cases) EXPECT_NE(error_of(c.text).find(c.expect), std::string::npos) << error_of(c.text) << "\nwanted: " << c.expect;
}

TEST(SweepSpec, UnicodeTextLoads) {
  EXPECT_EQ(error_of(with("name: t", "name: \"t \xe2\x86\x92 \xc3\xa9 \xf0\x9f\x98\x80\"")), "<no error>");
}

TEST(SweepSpace, GridIsMixedRadixInFileOrder) {
  TempDir d;
  const SweepSpec s = load_sweep(d.file("s.yaml", kValid));
  const auto g = grid_points(s);
  ASSERT_EQ(g.size(), 32u);
  EXPECT_EQ(g[0], (Point{0, 0, 0}));
  EXPECT_EQ(g[1], (Point{0, 0, 1}));
  EXPECT_EQ(g[2], (Point{0, 1, 0}));
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_EQ(point_index(s, g[i]), static_cast<long long>(i));
}

TEST(SweepSpace, RandomIsDistinctAndDeterministicForASeed) {
  TempDir d;
  SweepSpec s = load_sweep(d.file("s.yaml", kValid));
  s.seed = 3;
  const auto a = random_points(s, 12), b = random_points(s, 12);
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::set<Point>(a.begin(), a.end()).size(), 12u);
  s.seed = 4;
  EXPECT_NE(random_points(s, 12), a);
  EXPECT_EQ(random_points(s, 100).size(), 32u);  // the whole grid, no more
}

TEST(SweepSpace, ConstraintsFilterAndTheLoaderRefuses) {
  TempDir d;
  const SweepSpec s = load_sweep(d.file("s.yaml", with("objectives:", "constraints: [\"hw.qk_lanes * policy.window <= 64\"]\nobjectives:")));
  int feasible = 0, filtered = 0;
  for (const auto& p : grid_points(s)) {
    const Resolved r = resolve(s, p);
    ASSERT_TRUE(r.valid) << r.error;
    const int lanes = std::stoi(s.axes[0].values[p[0]]), window = std::stoi(s.axes[1].values[p[1]]);
    EXPECT_EQ(r.feasible, lanes * window <= 64);
    (r.feasible ? feasible : filtered)++;
    EXPECT_EQ(r.cfg.hw.qk_lanes, lanes);
    EXPECT_EQ(r.cfg.policy.window, window);
  }
  EXPECT_EQ(feasible, 2 * (4 + 3 + 1));  // lanes 2: all 4 windows; 4: 8, 12, 16; 8: 8; 16: none
  // 16 sinks do not fit the 8-token sink SRAM: the loader's message names the axis and its line.
  const SweepSpec s2 = load_sweep(d.file("s2.yaml", with("[0, 4]", "[0, 16]")));
  const Resolved r = resolve(s2, Point{0, 0, 1});
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("policy.sinks: 16 sinks do not fit hw.sink_sram_tokens (8)"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("s2.yaml:6 (axis policy.sinks = 16)"), std::string::npos) << r.error;
}

TEST(SweepKeys, HashTheResolvedConfigurationWorkloadFidelityAndEnergy) {
  TempDir d;
  const SweepSpec s = load_sweep(d.file("s.yaml", kValid));
  const Resolved a = resolve(s, Point{1, 0, 1}), b = resolve(s, Point{1, 0, 1}), c = resolve(s, Point{1, 1, 1});
  const std::string k = row_key(a, "w1", sweep::Fidelity::kGolden, "horowitz45");
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, row_key(b, "w1", sweep::Fidelity::kGolden, "horowitz45"));
  EXPECT_NE(k, row_key(c, "w1", sweep::Fidelity::kGolden, "horowitz45"));
  EXPECT_NE(k, row_key(a, "w2", sweep::Fidelity::kGolden, "horowitz45"));
  EXPECT_NE(k, row_key(a, "w1", sweep::Fidelity::kSystemc, "horowitz45"));
  EXPECT_NE(k, row_key(a, "w1", sweep::Fidelity::kGolden, "other"));
  // A field set to the value the preset already has resolves to the same configuration.
  const Resolved same = [&] {
    Resolved r = a;
    r.overrides.push_back({"policy.progressive_quant.enabled", "true", "test"});
    r.cfg = load_config(r.base, r.overrides);
    return r;
  }();
  EXPECT_EQ(k, row_key(same, "w1", sweep::Fidelity::kGolden, "horowitz45"));
}

TEST(SweepStore, InsertsOnceAndReadsBack) {
  TempDir d;
  Store st(d.path() + "/store.db");
  Row r;
  r.key = "abc";
  r.workload = "w";
  r.fidelity = "golden";
  r.point = {{"hw.qk_lanes", "4"}};
  r.status = "ok";
  r.result = {{"dram_bytes", 12}};
  EXPECT_TRUE(st.insert(r));
  r.result = {{"dram_bytes", 13}};
  EXPECT_FALSE(st.insert(r));  // the key is there: the first row stays
  Store again(d.path() + "/store.db");
  const auto rows = again.rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].result["dram_bytes"], 12);
  EXPECT_TRUE(again.find("ab").has_value());
}

// The front by definition: points no other point dominates.
std::vector<std::size_t> brute_front(const std::vector<std::vector<double>>& pts) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < pts.size() && !dominated; ++j) {
      bool all_le = true, one_lt = false;
      for (std::size_t k = 0; k < pts[i].size(); ++k) {
        all_le &= pts[j][k] <= pts[i][k];
        one_lt |= pts[j][k] < pts[i][k];
      }
      dominated = all_le && one_lt;
    }
    if (!dominated) out.push_back(i);
  }
  return out;
}

TEST(SweepPareto, FrontEqualsBruteForce) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 40), dims = 1 + static_cast<int>(rng() % 3);
    std::vector<std::vector<double>> pts(n, std::vector<double>(dims));
    for (auto& p : pts)
      for (auto& x : p) x = static_cast<double>(rng() % 8);  // few values: ties and duplicates
    EXPECT_EQ(pareto_front(pts), brute_front(pts)) << "trial " << trial << " (seed 17)";
  }
}

TEST(SweepPareto, MarksPerWorkloadWithMaximizedObjectivesNegated) {
  TempDir d;
  const SweepSpec s = load_sweep(d.file("s.yaml", kValid));  // dram_bytes min, cosine_mean max
  std::vector<Row> rows;
  const auto add = [&](const char* w, double dram, double cos, const char* status = "ok") {
    Row r;
    r.workload = w, r.fidelity = "golden", r.status = status;
    r.result = {{"dram_bytes", dram}, {"cosine_mean", cos}};
    rows.push_back(r);
  };
  add("a", 10, 0.9), add("a", 20, 0.95), add("a", 20, 0.9), add("a", 5, 0.99, "failed");
  add("b", 30, 0.5), add("b", 40, 0.4);
  EXPECT_EQ(pareto_marks(s, rows), (std::vector<bool>{true, true, false, false, true, false}));
}

TEST(SweepNsga2, SameSeedSamePointsEachDistinctPointOnce) {
  TempDir d;
  SweepSpec s = load_sweep(d.file("s.yaml", with("name: t", "name: t\nstrategy: {kind: nsga2, population: 8, generations: 3}")));
  const auto run = [&](std::uint64_t seed) {
    s.seed = seed;
    std::vector<Point> evaluated;
    nsga2_search(s, [&](const std::vector<Point>& batch) {
      std::vector<std::optional<std::vector<double>>> out;
      for (const auto& p : batch) {
        evaluated.push_back(p);
        if (p[0] == 3) {  // 16 lanes: treat as infeasible
          out.emplace_back(std::nullopt);
          continue;
        }
        // Two conflicting objectives of the indices.
        out.emplace_back(std::vector<double>{static_cast<double>(p[0] + p[1]), static_cast<double>(6 - p[1] - p[2])});
      }
      return out;
    });
    return evaluated;
  };
  const auto a = run(5), b = run(5), c = run(6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<Point>(a.begin(), a.end()).size(), a.size());  // each distinct point once
  EXPECT_GE(a.size(), 8u);
}

// loss_windows (the model's loss in the loop) is for model workloads only: a trace whose
// meta.json names the model's checkpoint; anything else is refused at that line.
TEST(SweepSpec, LossWindowsNeedsAModelTrace) {
  TempDir d;
  fs::create_directories(d.path() + "/synthetic");
  d.file("synthetic/meta.json", R"({"prompt_len": 8})");
  fs::create_directories(d.path() + "/model");
  d.file("model/meta.json", R"({"prompt_len": 8, "generator": {"model": {"checkpoint": "/x/model.pt"}}})");
  const auto sweep_with = [&](const std::string& trace, const std::string& windows) {
    return d.file("s.yaml", with("    gen: {layers: 2, q_heads: 2, kv_heads: 1, head_dim: 16, tokens: 48, prompt: 32}",
                                 "    trace: " + trace + "\n    loss_windows: " + windows));
  };
  const SweepSpec s = load_sweep(sweep_with("model", "8"));
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_EQ(s.workloads[0].loss_windows, 8);
  EXPECT_EQ(s.workloads[0].checkpoint, "/x/model.pt");
  const auto message = [&](const std::string& trace, const std::string& windows) {
    try {
      load_sweep(sweep_with(trace, windows));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  EXPECT_NE(message("synthetic", "8").find("s.yaml:10: workloads[0].loss_windows:"), std::string::npos) << message("synthetic", "8");
  EXPECT_NE(message("synthetic", "8").find("names no generator.model.checkpoint"), std::string::npos);
  EXPECT_NE(message("model", "1").find("workloads[0].loss_windows: 1 is out of range"), std::string::npos) << message("model", "1");
}
