// One case through the golden model, the SystemC model and the Verilated RTL: the outputs of
// both cycle-level models against golden (bit for bit, with the golden counters), then the
// SystemC model against the RTL (every phase event's stamps, total cycles, every hardware
// counter). Shared by sim_cosim_tb (default hardware) and hw_variant_tb (other hardware).
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

#include "rtl_run.hpp"
#include "sim_model.hpp"

namespace sinkattn::tb {

struct SpeedTally {
  double sim_cycles = 0, sim_s = 0, rtl_cycles = 0, rtl_s = 0;
};

// How often a suite's cases took the prefill path (docs/policy.md, "Prefill importance"): cases
// whose scores the host's prefill seeded, and of those, cases whose prefill pass evicted.
struct PrefillTally {
  int cases = 0, seeded = 0, cut = 0;
};

// Returns "" or the first difference: golden against each model's rows and counters, then
// the RTL's timing against the SystemC model's.
inline std::string check_three_way(const Config& cfg, const IntTrace& it, const host::RunOptions& opt,
                                   SpeedTally* speed = nullptr, PrefillTally* prefill = nullptr) {
  const Plan plan = make_plan(cfg, it.shape, "synthetic");
  const GoldenResult gold = run_golden(cfg, plan, it);
  const host::RunResult sc = sim::run_sim(cfg, plan, it, opt);
  const host::RunResult rtl = rtl::run_rtl(cfg, plan, it, opt);
  if (speed) {
    speed->sim_cycles += static_cast<double>(sc.total_cycles);
    speed->sim_s += sc.wall_seconds;
    speed->rtl_cycles += static_cast<double>(rtl.total_cycles);
    speed->rtl_s += rtl.wall_seconds;
  }
  std::string diff = host::compare(gold, sc.run);
  if (!diff.empty()) return "systemc vs golden: " + diff;
  diff = host::compare(gold, rtl.run);  // the RTL's own rows, not only its timing
  if (!diff.empty()) return "rtl vs golden: " + diff;
  diff = host::compare_timing(sc, rtl);
  if (!diff.empty()) {
    if (std::getenv("SINKATTN_SIM_DEBUG"))
      for (std::size_t i = 0; i < sc.counters.size(); ++i)
        std::cout << sc.counters[i].first << " " << sc.counters[i].second << " " << rtl.counters[i].second << "\n";
    return "systemc vs rtl: " + diff;
  }
  if (sc.cycles != rtl.cycles) return "busy cycles differ";
  int jobs = 0;
  for (const host::PhaseEvent& e : sc.events) jobs += e.kind == host::kEvJob;
  if (jobs != it.shape.steps() * it.shape.layers * it.shape.kv_heads) return "wrong number of job events";
  // The prefill: both models spent cycles on it exactly when golden's scores were seeded, and
  // every eviction event stamped before the first decode step is one of the prefill pass.
  if ((sc.prefill_cycles > 0) != gold.prefill_importance) return "prefill cycles without prefill (or none with it)";
  int prefill_events = 0;
  for (const host::PhaseEvent& e : sc.events)
    if (e.step < it.shape.prompt) prefill_events += e.kind == host::kEvEviction ? 1 : 1000;
  if (prefill_events >= 1000) return "a job or head-pruning event stamped before the first decode step";
  if ((prefill_events > 0) != (gold.prefill.evictions > 0)) return "prefill eviction events disagree with golden's prefill pass";
  if (prefill) {
    ++prefill->cases;
    prefill->seeded += gold.prefill_importance;
    prefill->cut += gold.prefill.evictions > 0;
  }
  return "";
}

}  // namespace sinkattn::tb
