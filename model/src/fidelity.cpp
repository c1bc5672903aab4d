#include "sinkattn/fidelity.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sinkattn/numerics.hpp"
#include "sinkattn/reference.hpp"

namespace sinkattn {
namespace {

// Per-row figures of one run against the float reference, and their summary. Both ways of
// getting the reference (streamed, or computed beforehand) score rows here.
class RowScores {
 public:
  RowScores(const IntTrace& it, const GoldenResult& run) : it_(it), run_(run), s_(it.shape) {
    if (run.keep.empty()) throw std::logic_error("measure_fidelity needs a run with record_keep");
    rows_ = static_cast<std::size_t>(s_.steps()) * s_.layers * s_.q_heads;
    cosine_.resize(rows_), rel_.resize(rows_), recall_.resize(rows_);
  }
  std::size_t rows() const { return rows_; }

  // `probs` holds at least t+1 probabilities of row (step, l, h); `ref` its D outputs.
  void score(int step, int l, int h, const double* probs, std::size_t n_probs, const double* ref) {
    const std::size_t r = run_.row_index(step, l, h);
    const int g = h / s_.group();
    if (!run_.row_active[r]) {
      cosine_[r] = 0, rel_[r] = 1, recall_[r] = 0;
      return;
    }
    const double out_unit = std::ldexp(1.0, -num::kOutFracBits);
    const double v_scale = it_.v_scale[static_cast<std::size_t>(l) * s_.kv_heads + g] * out_unit;
    const std::int16_t* o = &run_.out[r * s_.head_dim];
    double dot = 0, nn = 0, rr = 0, diff = 0;
    for (int d = 0; d < s_.head_dim; ++d) {
      const double x = o[d] * v_scale;
      dot += x * ref[d], nn += x * x, rr += ref[d] * ref[d], diff += (x - ref[d]) * (x - ref[d]);
    }
    cosine_[r] = nn > 0 && rr > 0 ? dot / std::sqrt(nn * rr) : (nn == rr ? 1.0 : 0.0);
    rel_[r] = rr > 0 ? std::sqrt(diff / rr) : (diff > 0 ? 1.0 : 0.0);
    const std::uint8_t* keep =
        &run_.keep[((static_cast<std::size_t>(step) * s_.layers + l) * s_.kv_heads + g) * s_.tokens];
    double mass = 0;
    for (std::size_t j = 0; j < n_probs; ++j) mass += keep[j] ? probs[j] : 0.0;
    recall_[r] = mass;
  }

  Fidelity summary() const {
    Fidelity f;
    f.rows = rows_;
    if (rows_ == 0) return f;
    double csum = 0, msum = 0;
    f.cosine_min = 1;
    for (std::size_t r = 0; r < rows_; ++r) {
      csum += cosine_[r], msum += recall_[r];
      f.cosine_min = std::min(f.cosine_min, cosine_[r]);
      f.max_rel_err = std::max(f.max_rel_err, rel_[r]);
    }
    f.cosine_mean = csum / rows_;
    f.mass_recall_mean = msum / rows_;
    return f;
  }

 private:
  const IntTrace& it_;
  const GoldenResult& run_;
  const Shape s_;
  std::size_t rows_ = 0;
  std::vector<double> cosine_, rel_, recall_;
};

}  // namespace

Fidelity measure_fidelity(const FloatTrace& ft, const IntTrace& it, const GoldenResult& run,
                          std::vector<float>* out_float) {
  const Shape& s = ft.shape;
  RowScores scores(it, run);
  if (out_float) out_float->assign(scores.rows() * s.head_dim, 0.0f);
  for_each_reference_row(ft, [&](int step, int l, int h, const std::vector<double>& probs, const std::vector<double>& ref) {
    if (out_float)
      std::transform(ref.begin(), ref.end(), out_float->begin() + run.row_index(step, l, h) * s.head_dim,
                     [](double x) { return static_cast<float>(x); });
    scores.score(step, l, h, probs.data(), probs.size(), ref.data());
  });
  return scores.summary();
}

ReferenceRows compute_reference_rows(const FloatTrace& ft) {
  const Shape& s = ft.shape;
  ReferenceRows ref;
  ref.shape = s;
  const std::size_t rows = static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads;
  // One block: outputs, then probabilities.
  auto block = std::make_shared<std::vector<double>>(rows * (s.head_dim + s.tokens), 0.0);
  double* out = block->data();
  double* probs = out + rows * s.head_dim;
  for_each_reference_row(ft, [&](int step, int l, int h, const std::vector<double>& p, const std::vector<double>& o) {
    const std::size_t r = (static_cast<std::size_t>(step) * s.layers + l) * s.q_heads + h;
    std::copy(o.begin(), o.end(), out + r * s.head_dim);
    std::copy(p.begin(), p.end(), probs + r * s.tokens);
  });
  ref.out = out;
  ref.probs = probs;
  ref.storage = block;
  return ref;
}

Fidelity measure_fidelity(const ReferenceRows& ref, const IntTrace& it, const GoldenResult& run) {
  const Shape& s = ref.shape;
  if (s.layers != it.shape.layers || s.q_heads != it.shape.q_heads || s.tokens != it.shape.tokens ||
      s.head_dim != it.shape.head_dim || s.prompt != it.shape.prompt)
    throw std::logic_error("measure_fidelity: reference rows and trace differ in shape");
  RowScores scores(it, run);
  for (int step = 0; step < s.steps(); ++step)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h) {
        const std::size_t r = (static_cast<std::size_t>(step) * s.layers + l) * s.q_heads + h;
        // Row t = prompt + step attends tokens 0..t.
        scores.score(step, l, h, &ref.probs[r * s.tokens], static_cast<std::size_t>(s.prompt + step + 1),
                     &ref.out[r * s.head_dim]);
      }
  return scores.summary();
}

}  // namespace sinkattn
