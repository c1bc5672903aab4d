// Pricing one configuration with the area model: what a sweep pays per point. The model is
// loaded once (YAML, regexes, compiled expressions); area_of then evaluates the logic terms and
// walks the memory inventory. Run through `scripts/bench.sh area`.
#include <benchmark/benchmark.h>

#include "sinkattn/area.hpp"
#include "sinkattn/config.hpp"

namespace {

// One preset's hardware.
void BM_AreaOf(benchmark::State& state, const char* preset) {
  const auto model = sinkattn::load_area_model("nangate45");
  const sinkattn::Config cfg = sinkattn::load_config(preset);
  for (auto _ : state) {
    const sinkattn::AreaReport r = sinkattn::area_of(cfg, *model);
    benchmark::DoNotOptimize(r.total_um2);
  }
}
BENCHMARK_CAPTURE(BM_AreaOf, sinkattn, "sinkattn")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_AreaOf, dense, "dense")->Unit(benchmark::kMicrosecond);

// A sweep: every iteration prices a different point (lanes, P, tokens, heads), as a sweep does.
void BM_AreaSweep(benchmark::State& state) {
  const auto model = sinkattn::load_area_model("nangate45");
  sinkattn::Config cfg = sinkattn::load_config("sinkattn");
  const int lanes[] = {1, 2, 4, 8, 16};
  const int tokens[] = {1024, 2048, 4096, 8192, 16384};
  const int p[] = {4, 8, 16, 32};
  long i = 0;
  for (auto _ : state) {
    cfg.hw.qk_lanes = cfg.hw.pv_lanes = lanes[i % 5];
    cfg.hw.max_tokens = tokens[(i / 5) % 5];
    cfg.hw.topk_parallelism = p[(i / 25) % 4];
    cfg.hw.max_q_heads = 8 << (i % 3);
    ++i;
    const sinkattn::AreaReport r = sinkattn::area_of(cfg, *model);
    benchmark::DoNotOptimize(r.total_um2);
  }
  state.counters["points_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AreaSweep)->Unit(benchmark::kMicrosecond);

// Loading the table, for comparison: paid once per process, not per point.
void BM_LoadAreaModel(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sinkattn::load_area_model("nangate45"));
}
BENCHMARK(BM_LoadAreaModel)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
