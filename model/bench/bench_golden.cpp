// Golden-model throughput on one synthetic decode trace (4 layers, 8 heads, D=64, T=2048):
// MAC/s for each preset, and the work each preset reads, so scripts/bench.sh can set the ratio
// of times beside the ratio of attended tokens; and the inner loops alone, scalar against the
// Highway kernels. Run through `scripts/bench.sh golden`.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <map>
#include <string>
#include <vector>

#include "kernels.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/reference.hpp"
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

// The golden model's inner loops alone, one thread, on the trace's own rows (D = 64, 2048 keys
// of one KV head in token order): the scalar loops as they were before the Highway kernels,
// and the kernels, so one run gives their ratio.
struct KernelRows {
  const std::int16_t* q;
  std::vector<const std::int16_t*> k, v;
  std::vector<std::uint32_t> p;
};
const KernelRows& kernel_rows() {
  static const KernelRows r = [] {
    const sinkattn::IntTrace& t = trace();
    KernelRows x;
    x.q = t.q_row(0, 0, t.shape.prompt);
    for (int j = 0; j < t.shape.tokens; ++j) x.k.push_back(t.k_row(0, 0, j)), x.v.push_back(t.v_row(0, 0, j));
    for (int j = 0; j < t.shape.tokens; ++j) x.p.push_back(static_cast<std::uint32_t>(j * 2654435761u) % 64);
    return x;
  }();
  return r;
}

void BM_Kernel(benchmark::State& state, const char* which, bool simd) {
  const KernelRows& r = kernel_rows();
  const int n = static_cast<int>(r.k.size()), d = trace().shape.head_dim;
  std::vector<std::int32_t> scores(n);
  std::vector<std::int64_t> acc(d);
  const bool qk = std::string(which) == "qk";
  for (auto _ : state) {
    if (qk && simd) {
      sinkattn::kernels::qk_scores(r.q, r.k.data(), n, d, false, scores.data());
    } else if (qk) {
      for (int i = 0; i < n; ++i) {  // golden.cpp's dot() before the kernels
        std::int32_t a = 0;
        for (int e = 0; e < d; ++e) a += static_cast<std::int32_t>(r.q[e]) * r.k[i][e];
        scores[i] = a;
      }
    } else if (simd) {
      sinkattn::kernels::pv_accumulate(r.p.data(), r.v.data(), n, d, acc.data());
    } else {
      for (int i = 0; i < n; ++i) {  // golden.cpp's p.v loop before the kernels
        const std::int64_t p = r.p[i];
        for (int e = 0; e < d; ++e) acc[e] += p * r.v[i][e];
      }
    }
    benchmark::DoNotOptimize(scores.data());
    benchmark::DoNotOptimize(acc.data());
    benchmark::ClobberMemory();
  }
  state.counters["mac_per_s"] =
      benchmark::Counter(static_cast<double>(n) * d, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(simd ? sinkattn::kernels::target_name() : "scalar");
}
BENCHMARK_CAPTURE(BM_Kernel, qk_scalar, "qk", false);
BENCHMARK_CAPTURE(BM_Kernel, qk_simd, "qk", true);
BENCHMARK_CAPTURE(BM_Kernel, pv_scalar, "pv", false);
BENCHMARK_CAPTURE(BM_Kernel, pv_simd, "pv", true);

// The float reference (double, full attention), one thread, on float traces of 1 layer, 4
// heads, T 2048, D 64 and D 128 (Llama's): every 4th of the 1024 decode steps (256 rows per
// head; a golden run hands for_each_reference_row every step of a head at once). "scalar" is
// reference_row's loop, as for_each_reference_row ran it before the kernels; "simd" is
// for_each_reference_row now (the same bits, test_trace_io). MACs: q.k and p.v, (t + 1) * D
// each per row; one exp per (row, token) as well, which the kernels cannot speed up without
// changing the bits, so the smaller D is the harder case.
const sinkattn::FloatTrace& float_trace(int head_dim) {
  static std::map<int, sinkattn::FloatTrace> traces;
  auto it = traces.find(head_dim);
  if (it == traces.end()) {
    sinkattn::SynthParams p;
    p.shape = {1, 4, 4, head_dim, 2048, 1024};
    p.seed = 1;
    it = traces.emplace(head_dim, sinkattn::make_synthetic_trace(p)).first;
  }
  return it->second;
}

void BM_Reference(benchmark::State& state, bool simd) {
  const sinkattn::FloatTrace& t = float_trace(static_cast<int>(state.range(0)));
  const sinkattn::Shape& s = t.shape;
  std::vector<int> tokens;
  for (int tok = s.prompt; tok < s.tokens; tok += 4) tokens.push_back(tok);
  double macs = 0;
  for (int tok : tokens) macs += 2.0 * (tok + 1) * s.head_dim * s.layers * s.q_heads;
  omp_set_num_threads(1);
  double sink = 0;
  for (auto _ : state) {
    if (simd) {
      sinkattn::for_each_reference_row(t, tokens, [&](int, int, int, const std::vector<double>&, const std::vector<double>& out) {
        sink += out[0];
      });
    } else {
      std::vector<double> probs, out;
      for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.q_heads; ++h)
          for (int tok : tokens) sinkattn::reference_row(t, l, h, tok, probs, out), sink += out[0];
    }
  }
  benchmark::DoNotOptimize(sink);
  state.counters["mac_per_s"] = benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(simd ? sinkattn::kernels::target_name() : "scalar");
}
// CPU time (one thread on a shared machine): the rate per core.
BENCHMARK_CAPTURE(BM_Reference, scalar, false)->ArgName("D")->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Reference, simd, true)->ArgName("D")->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
