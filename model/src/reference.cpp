// The float reference of full attention, in double: what every policy and the integer path are
// measured against.
#include "sinkattn/reference.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>

namespace sinkattn {

void reference_row(const FloatTrace& trace, int l, int h, int t, std::vector<double>& probs,
                   std::vector<double>& out) {
  const Shape& s = trace.shape;
  if (l < 0 || l >= s.layers || h < 0 || h >= s.q_heads || t < 0 || t >= s.tokens)
    throw std::out_of_range("reference_row: (layer, head, token) outside the trace");
  const int g = h / s.group();  // GQA: a group of query heads shares one KV head
  const int D = s.head_dim;
  const float* q = trace.q_row(l, h, t);
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));

  probs.resize(static_cast<std::size_t>(t) + 1);
  for (int j = 0; j <= t; ++j) {
    const float* k = trace.k_row(l, g, j);
    double dot = 0;
    for (int d = 0; d < D; ++d) dot += static_cast<double>(q[d]) * k[d];
    probs[j] = dot * inv_sqrt_d;
  }
  // Subtracting the maximum keeps exp() in range; the largest term becomes exactly 1.
  const double mx = *std::max_element(probs.begin(), probs.end());
  double sum = 0;
  for (double& p : probs) sum += (p = std::exp(p - mx));
  for (double& p : probs) p /= sum;

  out.assign(D, 0.0);
  for (int j = 0; j <= t; ++j) {
    const float* v = trace.v_row(l, g, j);
    for (int d = 0; d < D; ++d) out[d] += probs[j] * v[d];
  }
}

void for_each_reference_row(const FloatTrace& trace, const ReferenceVisitor& visit) {
  const Shape& s = trace.shape;
  // An exception must not leave an OpenMP region: keep the first and rethrow it afterwards.
  std::exception_ptr error;
#pragma omp parallel for collapse(2) schedule(dynamic)
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < s.q_heads; ++h) {
      std::vector<double> probs, out;  // per thread, reused across the steps of this head
      try {
        for (int t = s.prompt; t < s.tokens; ++t) {
          reference_row(trace, l, h, t, probs, out);
          visit(t - s.prompt, l, h, probs, out);
        }
      } catch (...) {
#pragma omp critical(sinkattn_reference_error)
        if (!error) error = std::current_exception();
      }
    }
  if (error) std::rethrow_exception(error);
}

}  // namespace sinkattn
