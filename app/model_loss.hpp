// Accuracy in the loop for a model workload: a trace exported from a model (its meta.json's
// generator.model.checkpoint names the checkpoint; scripts/workloads/export_trace.py writes it)
// can be decoded by that model with the configuration's policy and integer numerics in place of
// its attention (scripts/workloads/loop_eval.py, through the golden model's Python binding).
// `sinkattn golden --loss-windows N` and sweep workloads with `loss_windows: N` report the
// resulting loss and perplexity change (docs/workloads.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sinkattn/config.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cli {

// The checkpoint a model trace names, or "" if the trace is not a model workload.
std::string model_checkpoint(const nlohmann::json& trace_meta);

// Runs loop_eval.py on `checkpoint` with configuration `base` plus `overrides` over `windows`
// validation windows, decoding from the trace's prompt length. Returns the flat metrics: loss,
// loss_se, loss_delta, loss_delta_se, perplexity, perplexity_ratio, float_loss, loss_windows,
// loss_estimator. Throws InputError (file: the trace) if the checkpoint is missing or the run fails.
nlohmann::json model_loss(const std::string& trace_dir, const std::string& checkpoint, int prompt, const std::string& base,
                          const std::vector<FieldOverride>& overrides, int windows);

}  // namespace sinkattn::cli
