// The HLS kernel's C-simulation against the golden model on the same trace and preset, both on
// one thread (the C-simulation is sequential; OpenMP would only flatter golden): a decode trace
// of 2 layers, 8 query and 2 KV heads, D 64, 1024 tokens of which 256 decode steps. Run through
// `scripts/bench.sh hls`, which prints the ratio of the two times measured in this one run.
#include <benchmark/benchmark.h>
#include <omp.h>

#include "hls_csim.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"

namespace {

const sinkattn::IntTrace& trace() {
  static const sinkattn::IntTrace t = [] {
    sinkattn::SynthParams p;
    p.shape = {2, 8, 2, 64, 1024, 768};
    p.seed = 1;
    return sinkattn::quantize_trace(sinkattn::make_synthetic_trace(p));
  }();
  return t;
}

void run(benchmark::State& state, const char* preset, bool hls) {
  const sinkattn::Config cfg = sinkattn::load_config(preset);
  const sinkattn::Plan plan = sinkattn::make_plan(cfg, trace().shape, "synthetic");
  omp_set_num_threads(1);
  sinkattn::Counters c;
  for (auto _ : state) {
    const sinkattn::GoldenResult r =
        hls ? sinkattn::hls::run_hls(cfg, plan, trace()) : sinkattn::run_golden(cfg, plan, trace());
    c = r.counters;
    benchmark::DoNotOptimize(r.out.data());
  }
  state.counters["macs"] = static_cast<double>(c.macs);
  state.counters["mac_per_s"] =
      benchmark::Counter(static_cast<double>(c.macs), benchmark::Counter::kIsIterationInvariantRate);
}
void BM_Golden(benchmark::State& state, const char* preset) { run(state, preset, false); }
void BM_Hls(benchmark::State& state, const char* preset) { run(state, preset, true); }

BENCHMARK_CAPTURE(BM_Golden, sinkattn, "sinkattn")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Hls, sinkattn, "sinkattn")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Golden, dense, "dense")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Hls, dense, "dense")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
