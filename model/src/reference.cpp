// The float reference of full attention, in double: what every policy and the integer path are
// measured against.
#include "sinkattn/reference.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <string>

#include "huge_page_allocator.hpp"
#include "ref_kernels.hpp"

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
  std::vector<int> tokens;
  for (int t = trace.shape.prompt; t < trace.shape.tokens; ++t) tokens.push_back(t);
  for_each_reference_row(trace, tokens, visit);
}

namespace {

// One (layer, KV head)'s keys and values in the vector kernels' layouts (ref_kernels.hpp), as
// double: keys transposed in groups of kRefGroup tokens, values in rows padded to Dp; tokens
// past T are zeros.
// A thread keeps one slab and one batch scratch for all its tasks: the buffers are sized once
// (assign() within the capacity does not allocate) instead of being mapped and faulted in anew
// for every (layer, KV head) and batch, which cost more than the arithmetic at D 128 (the
// fresh pages' faults; bench_golden BM_Reference).
struct KvSlab {
  int groups = 0, Dp = 0;
  std::vector<float> x;  // one tensor's rows as read from the trace
  std::vector<double, HugePageAllocator<double>> k_groups, v_rows;
  void load(const FloatTrace& trace, int l, int g) {
    const Shape& s = trace.shape;
    const int D = s.head_dim, T = s.tokens, W = kernels::kRefTile, G = kernels::kRefGroup;
    groups = (T + G - 1) / G;
    Dp = (D + W - 1) / W * W;
    x.resize(static_cast<std::size_t>(T) * D);
    trace.read_rows(TraceTensor::kK, l, g, 0, T, x.data());
    trace.release_slice(TraceTensor::kK, l, g);
    // Every element is written below (resize() within the capacity touches nothing): the keys
    // in place, and zeros only where the last group runs past T and where rows are padded to Dp.
    k_groups.resize(static_cast<std::size_t>(groups) * D * G);
    for (int j0 = 0; j0 < groups * G; j0 += G) {
      double* group = &k_groups[static_cast<std::size_t>(j0) * D];
      for (int e = 0; e < D; ++e)
        for (int jj = 0; jj < G; ++jj)
          group[static_cast<std::size_t>(e) * G + jj] = j0 + jj < T ? x[static_cast<std::size_t>(j0 + jj) * D + e] : 0.0;
    }
    trace.read_rows(TraceTensor::kV, l, g, 0, T, x.data());
    trace.release_slice(TraceTensor::kV, l, g);
    v_rows.resize(static_cast<std::size_t>(T) * Dp);
    for (int j = 0; j < T; ++j) {
      double* row = &v_rows[static_cast<std::size_t>(j) * Dp];
      std::copy_n(&x[static_cast<std::size_t>(j) * D], D, row);
      std::fill(row + D, row + Dp, 0.0);
    }
  }
};

// Rows attended together: each block of keys and values is used by every row of the batch while
// it is in cache, which is what keeps a 32k-token head from being streamed from memory per row.
constexpr int kRowBatch = 16;
constexpr int kTokenBlock = 64;  // a multiple of kRefGroup; at D 128, 64 KB of keys or values
// Bytes of keys or values one pass of a batch works on: half of a 32 KB L1 data cache (AMD Zen 4's
// and many Intel cores'), so that the rows' scores and outputs fit beside them.
constexpr int kL1Chunk = 16 * 1024;

struct Row {
  int h, t;
};

// attend() for a batch of rows of one (layer, KV head), with the same result bits (see
// ref_kernels.hpp): scores by blocks of keys, the softmax per row as attend() does it, then
// the outputs by blocks of values.
struct BatchScratch {
  std::vector<double> q, scores, acc, probs, out;
  std::vector<float> qf;
};

void attend_batch(const KvSlab& kv, const FloatTrace& trace, int l, const std::vector<Row>& rows,
                  BatchScratch& b, const ReferenceVisitor& visit) {
  const Shape& s = trace.shape;
  const int D = s.head_dim, G = kernels::kRefGroup;
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  const std::size_t n = rows.size(), width = static_cast<std::size_t>(kv.groups) * G;
  std::vector<double>&q = b.q, &scores = b.scores, &acc = b.acc;
  std::vector<float>& qf = b.qf;
  q.resize(n * D);
  scores.resize(n * width);
  acc.assign(n * kv.Dp, 0.0);
  qf.resize(D);
  int last = 0;
  for (std::size_t r = 0; r < n; ++r) {
    trace.read_rows(TraceTensor::kQ, l, rows[r].h, rows[r].t, 1, qf.data());
    std::copy(qf.begin(), qf.end(), &q[r * D]);
    last = std::max(last, rows[r].t);
  }
  // The block's keys a few dimensions at a time, each chunk used by every row while it is in the
  // L1 cache; the sums continue across chunks in order (ref_qk's accumulate), so the bits are the
  // same as one pass over D.
  const int dc = std::max(1, std::min(D, kL1Chunk / (G * static_cast<int>(sizeof(double)))));
  for (int j0 = 0; j0 <= last; j0 += kTokenBlock)
    for (int e0 = 0; e0 < D; e0 += dc)
      for (std::size_t r = 0; r < n; ++r) {
        const int end = std::min(j0 + kTokenBlock, rows[r].t + 1);
        if (end <= j0) continue;
        // j0 is a multiple of kRefGroup: its group starts at j0 * D in the layout.
        kernels::ref_qk(&q[r * D + e0], &kv.k_groups[static_cast<std::size_t>(j0) * D + static_cast<std::size_t>(e0) * G],
                        (end - j0 + G - 1) / G, std::min(dc, D - e0), static_cast<std::size_t>(D) * G, e0 > 0,
                        &scores[r * width + j0]);
      }
  for (std::size_t r = 0; r < n; ++r) {
    double* p = &scores[r * width];
    const int t = rows[r].t;
    for (int j = 0; j <= t; ++j) p[j] *= inv_sqrt_d;
    const double mx = *std::max_element(p, p + t + 1);
    double sum = 0;
    for (int j = 0; j <= t; ++j) sum += (p[j] = std::exp(p[j] - mx));
    for (int j = 0; j <= t; ++j) p[j] /= sum;
  }
  // Likewise the values: a chunk of output elements of every row per pass over the block.
  const int ec = std::max(kernels::kRefTile,
                          kL1Chunk / (kTokenBlock * static_cast<int>(sizeof(double))) / kernels::kRefTile * kernels::kRefTile);
  for (int j0 = 0; j0 <= last; j0 += kTokenBlock)
    for (int e0 = 0; e0 < kv.Dp; e0 += ec)
      for (std::size_t r = 0; r < n; ++r) {
        const int end = std::min(j0 + kTokenBlock, rows[r].t + 1);
        if (end <= j0) continue;
        kernels::ref_pv(&scores[r * width + j0], &kv.v_rows[static_cast<std::size_t>(j0) * kv.Dp + e0], end - j0,
                        std::min(ec, kv.Dp - e0), static_cast<std::size_t>(kv.Dp), &acc[r * kv.Dp + e0]);
      }
  std::vector<double>&probs = b.probs, &out = b.out;
  for (std::size_t r = 0; r < n; ++r) {
    probs.assign(&scores[r * width], &scores[r * width] + rows[r].t + 1);
    out.assign(&acc[r * kv.Dp], &acc[r * kv.Dp] + D);
    visit(rows[r].t - s.prompt, l, rows[r].h, probs, out);
  }
}

}  // namespace

void for_each_reference_row(const FloatTrace& trace, const std::vector<int>& tokens, const ReferenceVisitor& visit) {
  const Shape& s = trace.shape;
  for (int t : tokens)
    if (t < s.prompt || t >= s.tokens || t < trace.q_first)
      throw std::out_of_range("for_each_reference_row: token " + std::to_string(t) + " is not a decode step");
  // One task per (layer, KV head): its keys and values are laid out once, for every query head
  // of its group and every step, and a mapped trace's pages are handed back right away.
  // An exception must not leave an OpenMP region: keep the first and rethrow it afterwards.
  std::exception_ptr error;
#pragma omp parallel
  {
    KvSlab kv;
    BatchScratch scratch;
    std::vector<Row> batch;
#pragma omp for collapse(2) schedule(dynamic)
    for (int l = 0; l < s.layers; ++l)
      for (int g = 0; g < s.kv_heads; ++g) {
        try {
          kv.load(trace, l, g);
          batch.clear();
          for (int h = g * s.group(); h < (g + 1) * s.group(); ++h)
            for (std::size_t i = 0; i < tokens.size(); ++i) {
              batch.push_back({h, tokens[i]});
              if (static_cast<int>(batch.size()) == kRowBatch)
                attend_batch(kv, trace, l, batch, scratch, visit), batch.clear();
            }
          if (!batch.empty()) attend_batch(kv, trace, l, batch, scratch, visit);
        } catch (...) {
#pragma omp critical(sinkattn_reference_error)
          if (!error) error = std::current_exception();
        }
      }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace sinkattn
