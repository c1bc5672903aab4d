// Accuracy of a run against float full attention.
#pragma once

#include <memory>
#include <vector>

#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {

struct Fidelity {
  double cosine_mean = 0, cosine_min = 0;  // cosine(int output dequantized, float full attention)
  double max_rel_err = 0;                  // max over rows of |o_int - o_ref| / |o_ref|
  double mass_recall_mean = 0;             // share of full-attention probability on kept tokens
  std::uint64_t rows = 0;
};

// Compares every decode row of `run` (which must have recorded its keep masks) with the float
// reference. If `out_float` is given it receives the reference outputs, [steps, L, Hq, D].
// Rows that head pruning skipped count with cosine 0, error 1 and recall 0.
Fidelity measure_fidelity(const FloatTrace& ft, const IntTrace& it, const GoldenResult& run,
                          std::vector<float>* out_float = nullptr);

// The float reference of every decode row, held in memory so that many runs on one workload
// (a sweep) compute it once: outputs [steps, L, Hq, D] and probabilities [steps, L, Hq, T]
// (zero beyond the row's token t), steps * L * Hq * (T + D) doubles. `out` and `probs` point
// into `storage`, which may be memory of its own or a mapped file (a sweep's workload cache).
struct ReferenceRows {
  Shape shape;
  const double* out = nullptr;
  const double* probs = nullptr;
  std::shared_ptr<const void> storage;
};
ReferenceRows compute_reference_rows(const FloatTrace& ft);

// The same figures as measure_fidelity(ft, ...), from rows computed beforehand.
Fidelity measure_fidelity(const ReferenceRows& ref, const IntTrace& it, const GoldenResult& run);

}  // namespace sinkattn
