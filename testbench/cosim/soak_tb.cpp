// The soak's worker (scripts/bench.sh soak, driven by soak.py): random (configuration, trace,
// back-pressure) cases through golden, the SystemC model and the Verilated RTL in this one
// process (three_way_check.hpp: both models' rows against golden, then the RTL's stamps, cycles
// and counters against the SystemC model's). Built once per hardware (SINKATTN_HW_PRESET): the
// default preset's top and every hardware variant's.
//
//   soak_tb SUITE_SEED FIRST LAST     runs cases FIRST..LAST-1 of the suite
//
// Case i depends on the suite seed and i only (its own generator), so any worker can run any
// range and a rerun of one case reproduces it. Prints "ok I" after each case, or
// "FAIL I <what>, case seed <s>: <first difference>" and goes on; exit status 1 if any failed.
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>
#include <string>

#include "random_config.hpp"
#include "three_way_check.hpp"

#ifndef SINKATTN_HW_PRESET
#error "build with -DSINKATTN_HW_PRESET=\"<preset>\""
#endif

namespace sinkattn::tb {
namespace {

// The generator of case i: the suite seed and i mixed (splitmix64), independent of other cases.
std::mt19937_64 case_rng(std::uint64_t suite_seed, std::uint64_t i) {
  std::uint64_t z = suite_seed + 0x9e3779b97f4a7c15ULL * (i + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return std::mt19937_64(z ^ (z >> 31));
}

// random_case (the tests' generator: policy, per-head map, budgets and ramp, granularity,
// cascade, head pruning, progressive quantization with tau, trace shape, random and bursty
// back-pressure, outstanding requests) on this binary's hardware; a quarter of the cases
// widen the head dimension up to the hardware's (random_case keeps D <= 24). Shapes the
// hardware cannot hold are drawn again from the same stream.
RandomCase soak_case(const Config& hw, std::uint64_t suite_seed, int i) {
  std::mt19937_64 rng = case_rng(suite_seed, static_cast<std::uint64_t>(i));
  for (;;) {
    RandomCase rc = random_case(rng, i);
    Shape s = rc.trace.shape;
    if (rng() % 4 == 0) {
      static const int kWide[] = {32, 48, 64, 96, 128};
      const int d = kWide[rng() % 5];
      if (d <= hw.hw.head_dim) {
        s.head_dim = d;
        rc.trace = small_trace(s, rc.opt.seed);
        rc.what += ", D widened to " + std::to_string(d);
      }
    }
    if (s.q_heads > hw.hw.max_q_heads || s.kv_heads > hw.hw.max_kv_heads || s.layers > hw.hw.max_layers ||
        s.head_dim > hw.hw.head_dim || s.tokens > hw.hw.max_tokens)
      continue;
    rc.cfg.hw = hw.hw;
    rc.cfg.policy.sinks = std::min(rc.cfg.policy.sinks, hw.hw.sink_sram_tokens);
    rc.opt.watchdog = 200000;  // a hang shows within a second, not after two million cycles
    return rc;
  }
}

}  // namespace
}  // namespace sinkattn::tb

int main(int argc, char** argv) {
  using namespace sinkattn;
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " SUITE_SEED FIRST LAST   (runs cases FIRST..LAST-1)\n";
    return 2;
  }
  const std::uint64_t seed = std::strtoull(argv[1], nullptr, 0);
  const int first = std::atoi(argv[2]), last = std::atoi(argv[3]);
  const Config hw = load_config(SINKATTN_HW_PRESET);
  int failed = 0;
  for (int i = first; i < last; ++i) {
    const tb::RandomCase rc = tb::soak_case(hw, seed, i);
    std::string diff;
    try {
      diff = tb::check_three_way(rc.cfg, rc.trace, rc.opt);
    } catch (const std::exception& e) {  // a model that stops making progress, or refuses the case
      diff = e.what();
    }
    if (diff.empty()) {
      std::cout << "ok " << i << std::endl;
    } else {
      ++failed;
      std::cout << "FAIL " << i << " hw " << SINKATTN_HW_PRESET << " " << rc.what << ", case seed " << rc.opt.seed
                << ", suite seed " << seed << ": " << diff << std::endl;
    }
  }
  return failed ? 1 : 0;
}
