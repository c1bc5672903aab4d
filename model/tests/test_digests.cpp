// Known-good outputs, pinned: for every preset and a few small seeded gen-trace traces, the
// SHA-256 of the integer outputs and of the keep masks, and the main counters, must equal the
// values committed in golden_digests.txt. A change in the numerics or the policy that stays
// inside every relative bound (a table entry off by one, a rounding moved, a tie rule flipped)
// changes a digest. How the file was made and checked: model/tests/golden_digests.md.
//
// Regenerate (only after a deliberate change of the numeric contract or a policy, and after
// checking the new outputs against the float reference as golden_digests.md says):
//   SINKATTN_WRITE_DIGESTS=model/tests/golden_digests.txt build/bin/test_digests
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "config_refs.hpp"
#include "row_check.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/digest.hpp"
#include "sinkattn/fidelity.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/synth.hpp"

namespace sinkattn {
namespace {

// The traces: what `sinkattn gen-trace --layers L --q-heads Hq --kv-heads Hkv --head-dim D
// --tokens T --prompt P --heavy 6 --recency-span 8 --seed S` writes (float32).
struct TraceSpec {
  const char* name;
  Shape shape;  // L, Hq, Hkv, D, T, P
  std::uint64_t seed;
};
constexpr TraceSpec kTraces[] = {
    {"s1_L3_Hq4_Hkv2_D16_T96_P40", {3, 4, 2, 16, 96, 40}, 1},
    {"s7_L2_Hq8_Hkv2_D32_T160_P64", {2, 8, 2, 32, 160, 64}, 7},
    {"s11_L2_Hq4_Hkv4_D64_T128_P100", {2, 4, 4, 64, 128, 100}, 11},
};
// duo as its hash fallback (config_refs.hpp) on these traces; the duo preset itself on a trace of
// its head pattern's shape, Llama-3.1-8B's 32 layers x 8 KV heads (kDuoTrace).
constexpr const char* kPresets[] = {"dense", "streamingllm", "h2o", "spatten", "duo_hash", "sinkattn"};
constexpr TraceSpec kDuoTrace = {"s5_L32_Hq8_Hkv8_D16_T96_P40", {32, 8, 8, 16, 96, 40}, 5};

FloatTrace make_trace(const TraceSpec& t) {
  SynthParams p;
  p.shape = t.shape;
  p.heavy = 6;
  p.recency_span = 8;
  p.seed = t.seed;
  return make_synthetic_trace(p);
}

// One line per (preset, trace): the fields the file holds, space-separated.
std::string digest_line(const char* preset, const TraceSpec& t, const FloatTrace& ft, double* cosine_min) {
  // The presets scaled to these short traces (window 16, budgets 16 to 12, head-pruning warm-up
  // 4 steps), so that every region and every eviction rule acts; the policy structure is the
  // preset's.
  Config cfg = load_config(testing::config_ref(preset));
  cfg.policy.window = std::min(cfg.policy.window, 16);
  cfg.policy.budget.tokens = std::min(cfg.policy.budget.tokens, 16);
  cfg.policy.budget.min_tokens = std::min(cfg.policy.budget.min_tokens, 12);
  cfg.policy.head_warmup_steps = std::min(cfg.policy.head_warmup_steps, 4);
  const IntTrace it = quantize_trace(ft);
  const Plan plan = make_plan(cfg, ft.shape, t.name);
  GoldenOptions opt;
  opt.record_keep = true;
  const GoldenResult r = run_golden(cfg, plan, it, opt);
  *cosine_min = measure_fidelity(ft, it, r).cosine_min;
  testing::check_rows_against_spec(cfg, it, r, std::string(preset) + " on " + t.name);
  const Counters& c = r.counters;
  std::ostringstream s;
  s << preset << " " << t.name << " out=" << sha256_hex(r.out.data(), r.out.size() * sizeof(r.out[0]))
    << " keep=" << sha256_hex(r.keep.data(), r.keep.size()) << " rows=" << c.rows << " pruned=" << c.pruned_rows
    << " refetches=" << c.lsb_refetches << " evictions=" << c.evictions << " dram=" << c.dram_bytes()
    << " topk_passes=" << c.topk.passes;
  return s.str();
}

std::map<std::string, std::string> read_committed() {
  std::ifstream in(SINKATTN_TESTS_DIR "/golden_digests.txt");
  EXPECT_TRUE(in) << "cannot open " SINKATTN_TESTS_DIR "/golden_digests.txt";
  std::map<std::string, std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string preset, trace;
    f >> preset >> trace;
    lines[preset + " " + trace] = line;
  }
  return lines;
}

TEST(Digests, EveryPresetOnEveryPinnedTrace) {
  const char* write_to = std::getenv("SINKATTN_WRITE_DIGESTS");
  const auto committed = write_to ? std::map<std::string, std::string>{} : read_committed();
  std::ostringstream written;
  written << "# preset trace out=sha256(int16 outputs) keep=sha256(keep masks) counters; see golden_digests.md\n";
  std::vector<std::pair<const TraceSpec*, std::vector<const char*>>> runs;
  for (const TraceSpec& t : kTraces) runs.push_back({&t, {std::begin(kPresets), std::end(kPresets)}});
  runs.push_back({&kDuoTrace, {"duo"}});
  for (const auto& [spec, presets] : runs) {
    const TraceSpec& t = *spec;
    const FloatTrace ft = make_trace(t);
    for (const char* preset : presets) {
      double cosine_min = 0;
      const std::string line = digest_line(preset, t, ft, &cosine_min);
      written << line << "\n";
      // Against the float reference (full attention in double on the unquantized trace): the
      // dense outputs meet the documented accuracy of the integer path (docs/numerics.md). The
      // sparse presets' distance from it is the policy's loss, not the numerics', and is not bounded.
      if (std::string(preset) == "dense") {
        EXPECT_GE(cosine_min, 0.9995) << t.name;
      }
      if (write_to) continue;
      const auto it = committed.find(std::string(preset) + " " + t.name);
      ASSERT_NE(it, committed.end()) << "no committed digest for " << preset << " on " << t.name;
      EXPECT_EQ(line, it->second) << "the outputs of " << preset << " on " << t.name
                                  << " changed; if deliberate, regenerate as golden_digests.md says";
    }
  }
  if (write_to) {
    std::ofstream(write_to) << written.str();
    std::cout << "wrote " << write_to << "\n";
  }
}

}  // namespace
}  // namespace sinkattn
