// The float reference of full attention, in double: what every policy and the integer path are
// measured against.
#include "sinkattn/reference.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>

namespace sinkattn {
namespace {

// Row t of a (layer, KV head) whose keys and values (tokens 0..t at least) are k and v.
void attend(const float* q, const float* k, const float* v, int t, int D, std::vector<double>& probs,
            std::vector<double>& out) {
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  probs.resize(static_cast<std::size_t>(t) + 1);
  for (int j = 0; j <= t; ++j) {
    const float* kj = k + static_cast<std::size_t>(j) * D;
    double dot = 0;
    for (int d = 0; d < D; ++d) dot += static_cast<double>(q[d]) * kj[d];
    probs[j] = dot * inv_sqrt_d;
  }
  // Subtracting the maximum keeps exp() in range; the largest term becomes exactly 1.
  const double mx = *std::max_element(probs.begin(), probs.end());
  double sum = 0;
  for (double& p : probs) sum += (p = std::exp(p - mx));
  for (double& p : probs) p /= sum;

  out.assign(D, 0.0);
  for (int j = 0; j <= t; ++j) {
    const float* vj = v + static_cast<std::size_t>(j) * D;
    for (int d = 0; d < D; ++d) out[d] += probs[j] * vj[d];
  }
}

}  // namespace

void reference_row(const FloatTrace& trace, int l, int h, int t, std::vector<double>& probs,
                   std::vector<double>& out) {
  const Shape& s = trace.shape;
  if (l < 0 || l >= s.layers || h < 0 || h >= s.q_heads || t < trace.q_first || t >= s.tokens)
    throw std::out_of_range("reference_row: (layer, head, token) outside the trace");
  const int g = h / s.group();  // GQA: a group of query heads shares one KV head
  const int D = s.head_dim;
  if (!trace.mapped) {  // in memory: no copy
    attend(trace.q_row(l, h, t), trace.k_row(l, g, 0), trace.v_row(l, g, 0), t, D, probs, out);
    return;
  }
  std::vector<float> q(D), k(static_cast<std::size_t>(t + 1) * D), v(k.size());
  trace.read_rows(TraceTensor::kQ, l, h, t, 1, q.data());
  trace.read_rows(TraceTensor::kK, l, g, 0, t + 1, k.data());
  trace.read_rows(TraceTensor::kV, l, g, 0, t + 1, v.data());
  attend(q.data(), k.data(), v.data(), t, D, probs, out);
}

void for_each_reference_row(const FloatTrace& trace, const ReferenceVisitor& visit) {
  const Shape& s = trace.shape;
  const int D = s.head_dim;
  // One task per (layer, KV head): its keys and values are widened once, for every query head
  // of its group and every step, and a mapped trace's pages are handed back afterwards.
  // An exception must not leave an OpenMP region: keep the first and rethrow it afterwards.
  std::exception_ptr error;
#pragma omp parallel for collapse(2) schedule(dynamic)
  for (int l = 0; l < s.layers; ++l)
    for (int g = 0; g < s.kv_heads; ++g) {
      try {
        std::vector<float> k(static_cast<std::size_t>(s.tokens) * D), v(k.size()), q(D);
        std::vector<double> probs, out;
        trace.read_rows(TraceTensor::kK, l, g, 0, s.tokens, k.data());
        trace.read_rows(TraceTensor::kV, l, g, 0, s.tokens, v.data());
        trace.release_slice(TraceTensor::kK, l, g);
        trace.release_slice(TraceTensor::kV, l, g);
        for (int h = g * s.group(); h < (g + 1) * s.group(); ++h)
          for (int t = s.prompt; t < s.tokens; ++t) {
            trace.read_rows(TraceTensor::kQ, l, h, t, 1, q.data());
            attend(q.data(), k.data(), v.data(), t, D, probs, out);
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
