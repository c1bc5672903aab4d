// Every computed row of a golden run recomputed from docs/numerics.md (spec_reference.hpp):
// given the tokens the run kept (its recorded keep masks), the scores, the progressive-
// quantization decision, the probabilities and the outputs are derived here without the
// model's code, and must equal the run's outputs bit for bit. Pruned rows must be 0.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "spec_reference.hpp"

namespace sinkattn::testing {

struct RowCheck {
  std::uint64_t rows = 0, refetched = 0;
};

inline RowCheck check_rows_against_spec(const Config& cfg, const IntTrace& it, const GoldenResult& r,
                                        const std::string& what) {
  const Shape& s = it.shape;
  EXPECT_FALSE(r.keep.empty()) << what << ": the run must record its keep masks";
  const bool pq = cfg.policy.progressive_quant;
  const std::uint32_t tau_fx = spec::tau_fixed(cfg.policy.tau);
  RowCheck rc;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h) {
        const int g = h / s.group(), t = s.prompt + st;
        const std::size_t row = r.row_index(st, l, h);
        const std::int16_t* got = &r.out[row * s.head_dim];
        if (!r.row_active[row]) {
          for (int d = 0; d < s.head_dim; ++d) EXPECT_EQ(got[d], 0) << what << ": pruned row " << row;
          continue;
        }
        std::vector<int> kept;
        for (int j = 0; j < s.tokens; ++j)
          if (r.keep[((static_cast<std::size_t>(st) * s.layers + l) * s.kv_heads + g) * s.tokens + j]) kept.push_back(j);
        auto scores = [&](bool msb) {
          std::vector<std::int64_t> sc;
          for (int j : kept) {
            std::int64_t a = 0;
            for (int d = 0; d < s.head_dim; ++d) {
              const std::int64_t k = it.k_row(l, g, j)[d];
              a += static_cast<std::int64_t>(it.q_row(l, h, t)[d]) * (msb ? spec::msb_key(k) : k);
            }
            sc.push_back(a);
          }
          return sc;
        };
        const ScoreScale c = it.score_scale[static_cast<std::size_t>(l) * s.q_heads + h];
        spec::Row p = spec::softmax(scores(pq), c.mant, c.shift);
        if (pq && p.pmax < tau_fx) {
          p = spec::softmax(scores(false), c.mant, c.shift);
          ++rc.refetched;
        }
        std::vector<const std::int16_t*> v;
        for (int j : kept) v.push_back(it.v_row(l, g, j));
        ++rc.rows;
        for (int d = 0; d < s.head_dim; ++d) {
          const std::int16_t want = spec::output(p.p, v, d);
          if (got[d] != want) {
            ADD_FAILURE() << what << ": first difference at step " << t << " layer " << l << " head " << h << " element "
                          << d << ": golden " << got[d] << ", spec " << want;
            return rc;
          }
        }
      }
  EXPECT_EQ(rc.rows, r.counters.rows) << what;
  EXPECT_EQ(rc.refetched, r.counters.lsb_refetches) << what;
  return rc;
}

}  // namespace sinkattn::testing
