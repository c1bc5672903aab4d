// The policy engine as a stream: the prompt's keys and values once, then one decode step at a
// time, one layer at a time, each layer's queries, keys and values handed in as the model that
// drives it computes them, and its attention outputs handed back before the next layer's inputs
// exist. This is what running a model with the policy in the loop needs (its next layer's inputs
// depend on this layer's outputs), and what a C++ user feeding the engine from a decoder needs.
//
// Same bits as run_golden: the stream drives the very engine run_golden runs (its steps, in the
// same order), on integer rows the caller has quantized with scales fixed at construction. A
// stream cannot see the future, so the scales cannot come from the whole trace as
// quantize_trace's do; docs/workloads.md says how the trained-model loop calibrates them (on the
// prompt) and what happens to larger values (saturation, counted).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {

namespace detail {
class StepEngine;
}

// Fixed quantization of a stream: real = int * scale, one scale per (layer, head, tensor).
struct StreamScales {
  std::vector<double> q, k, v;  // [L, Hq], [L, Hkv], [L, Hkv]
};

class StreamEngine {
 public:
  // `shape.tokens` is the stream's capacity (the last token it may decode is tokens - 1) and
  // `shape.prompt` the prompt length. Throws InputError (field "scales") if the scales do not
  // match the shape or are not positive and finite, and what make_plan and quantize_trace throw
  // for an unusable configuration or score scale.
  StreamEngine(const Config& cfg, const Shape& shape, const StreamScales& scales, const GoldenOptions& opt = {});
  ~StreamEngine();
  StreamEngine(const StreamEngine&) = delete;
  StreamEngine& operator=(const StreamEngine&) = delete;

  // The prompt's keys and values, integers [L, Hkv, P, D], and optionally its queries
  // [L, Hq, P, D] (same scales as the decode queries): with them, and policy.prefill_importance,
  // the token scores start from the prompt's attention as the whole-trace engine's do on a trace
  // that holds the prompt's queries (docs/policy.md, "Prefill importance"). Once, before the
  // first step.
  void prefill(const std::int16_t* k, const std::int16_t* v, const std::int16_t* q_prompt = nullptr);

  // Layer l of decode step t = next_token(): q [Hq, D], k and v [Hkv, D] of token t, integers
  // in +-DataMax. Writes the layer's outputs to out [Hq, D] (rows head pruning skipped are 0).
  // Layers come in order 0 .. L-1; after the last one the stream moves to token t + 1. A call
  // out of order, before prefill, beyond the capacity or with a value out of range throws
  // std::logic_error / InputError and leaves the stream unchanged.
  void step_layer(int l, const std::int16_t* q, const std::int16_t* k, const std::int16_t* v, std::int16_t* out);

  int next_token() const { return next_token_; }
  int next_layer() const { return next_layer_; }
  const Shape& shape() const { return trace_.shape; }
  const Plan& plan() const { return plan_; }
  const IntTrace& trace() const { return trace_; }  // the integer rows fed so far, and the scales
  // Everything computed so far (after prefill), in run_golden's layout: outputs, row_active and (if recorded)
  // keep masks of the steps done, counters, dense DRAM bytes of the whole capacity.
  const GoldenResult& result() const;

 private:
  Config cfg_;
  Plan plan_;
  IntTrace trace_;
  GoldenOptions opt_;
  std::unique_ptr<detail::StepEngine> engine_;  // made by prefill
  bool prefilled_ = false;
  int next_token_ = 0, next_layer_ = 0;
};

}  // namespace sinkattn
