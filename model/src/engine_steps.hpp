// The golden model's policy engine (golden.cpp) one piece of a decode step at a time, for the
// streaming engine (stream.cpp). run_golden is these calls in a loop; sharing them is what makes
// the streaming engine compute the same bits as the whole-trace one.
#pragma once

#include <memory>

#include "sinkattn/golden.hpp"

namespace sinkattn::detail {

class Engine;

class StepEngine {
 public:
  // cfg, plan and trace must outlive the engine; the trace's rows of (t, l) must be filled
  // before run_layer(t, l) reads them.
  StepEngine(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt);
  ~StepEngine();
  void prefill_pass();             // once, first: the prefill eviction pass (prefill importance)
  void begin_step(int t);          // tokens leaving the window join the alive lists
  void run_layer(int t, int l);    // head pruning, read lists, rows, importance, eviction
  void end_step(int t);            // progress callback
  const GoldenResult& result() const;

 private:
  std::unique_ptr<Engine> engine_;
};

}  // namespace sinkattn::detail
