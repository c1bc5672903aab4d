#include "sinkattn/fidelity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sinkattn/numerics.hpp"
#include "sinkattn/reference.hpp"

namespace sinkattn {

Fidelity measure_fidelity(const FloatTrace& ft, const IntTrace& it, const GoldenResult& run,
                          std::vector<float>* out_float) {
  const Shape& s = ft.shape;
  if (run.keep.empty()) throw std::logic_error("measure_fidelity needs a run with record_keep");
  const std::size_t rows = static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads;
  std::vector<double> cosine(rows), rel(rows), recall(rows);
  if (out_float) out_float->assign(rows * s.head_dim, 0.0f);
  const double out_unit = std::ldexp(1.0, -num::kOutFracBits);

  for_each_reference_row(ft, [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>& ref) {
    const std::size_t r = run.row_index(step, l, h);
    const int g = h / s.group();
    if (out_float)
      std::transform(ref.begin(), ref.end(), out_float->begin() + r * s.head_dim, [](double x) { return static_cast<float>(x); });
    if (!run.row_active[r]) {
      cosine[r] = 0, rel[r] = 1, recall[r] = 0;
      return;
    }
    const double v_scale = it.v_scale[static_cast<std::size_t>(l) * s.kv_heads + g] * out_unit;
    const std::int16_t* o = &run.out[r * s.head_dim];
    double dot = 0, nn = 0, rr = 0, diff = 0;
    for (int d = 0; d < s.head_dim; ++d) {
      const double x = o[d] * v_scale;
      dot += x * ref[d], nn += x * x, rr += ref[d] * ref[d], diff += (x - ref[d]) * (x - ref[d]);
    }
    cosine[r] = nn > 0 && rr > 0 ? dot / std::sqrt(nn * rr) : (nn == rr ? 1.0 : 0.0);
    rel[r] = rr > 0 ? std::sqrt(diff / rr) : (diff > 0 ? 1.0 : 0.0);
    const std::uint8_t* keep = &run.keep[((static_cast<std::size_t>(step) * s.layers + l) * s.kv_heads + g) * s.tokens];
    double mass = 0;
    for (std::size_t j = 0; j < probs.size(); ++j) mass += keep[j] ? probs[j] : 0.0;
    recall[r] = mass;
  });

  Fidelity f;
  f.rows = rows;
  if (rows == 0) return f;
  double csum = 0, msum = 0;
  f.cosine_min = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    csum += cosine[r], msum += recall[r];
    f.cosine_min = std::min(f.cosine_min, cosine[r]);
    f.max_rel_err = std::max(f.max_rel_err, rel[r]);
  }
  f.cosine_mean = csum / rows;
  f.mass_recall_mean = msum / rows;
  return f;
}

}  // namespace sinkattn
