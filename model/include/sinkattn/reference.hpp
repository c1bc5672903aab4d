// The float (double) reference: full attention over every cached token, no policy, no rounding.
#pragma once

#include <functional>
#include <vector>

#include "sinkattn/trace.hpp"

namespace sinkattn {

// Full-attention probabilities of one row: query token t of query head h in layer l attends
// tokens 0..t. `probs` receives t+1 values that sum to 1; `out` receives D values.
void reference_row(const FloatTrace& trace, int l, int h, int t, std::vector<double>& probs,
                   std::vector<double>& out);

// Visits every decode row (step, layer, query head) with its full-attention probabilities and
// output, in parallel over (layer, head). The visitor must be thread-safe across rows.
using ReferenceVisitor = std::function<void(int step, int l, int h, const std::vector<double>& probs,
                                            const std::vector<double>& out)>;
void for_each_reference_row(const FloatTrace& trace, const ReferenceVisitor& visit);
// The same over the decode tokens listed (each in prompt .. T-1) instead of every step.
void for_each_reference_row(const FloatTrace& trace, const std::vector<int>& tokens, const ReferenceVisitor& visit);

}  // namespace sinkattn
