// Golden-model throughput on one synthetic decode trace (4 layers, 8 heads, D=64, T=2048):
// MAC/s for each preset, and the work each preset reads, so scripts/bench.sh can set the ratio
// of times beside the ratio of attended tokens. Run through `scripts/bench.sh golden`.
#include <benchmark/benchmark.h>
#include <omp.h>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"

namespace {

const sinkattn::IntTrace& trace() {
  static const sinkattn::IntTrace t = [] {
    sinkattn::SynthParams p;
    p.shape = {4, 8, 8, 64, 2048, 1024};
    p.seed = 1;
    return sinkattn::quantize_trace(sinkattn::make_synthetic_trace(p));
  }();
  return t;
}

void BM_Golden(benchmark::State& state, const char* preset) {
  const sinkattn::Config cfg = sinkattn::load_config(preset);
  const sinkattn::Plan plan = sinkattn::make_plan(cfg, trace().shape, "synthetic");
  omp_set_num_threads(static_cast<int>(state.range(0)));
  sinkattn::Counters c;
  for (auto _ : state) {
    const sinkattn::GoldenResult r = sinkattn::run_golden(cfg, plan, trace());
    c = r.counters;
    benchmark::DoNotOptimize(r.out.data());
  }
  state.counters["macs"] = static_cast<double>(c.macs);
  state.counters["token_reads"] = static_cast<double>(c.token_reads);
  state.counters["mac_per_s"] =
      benchmark::Counter(static_cast<double>(c.macs), benchmark::Counter::kIsIterationInvariantRate);
}

// Argument: OpenMP threads. One thread shows the work each policy costs; two, the parallel speed.
BENCHMARK_CAPTURE(BM_Golden, dense, "dense")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Golden, sinkattn, "sinkattn")->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
