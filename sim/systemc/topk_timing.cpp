// The top-k engine block of the SystemC model. select() replays sinkattn::topk_select pass by
// pass with the quantities of the documented latency formula (rtl/topk_engine_latency.md).
// It is a copy of derive()/formula() of testbench/rtl/topk_engine_tb.cpp (where the formula is
// checked against the RTL engine on every vector), reduced to T_J - T_in and parameterised on P;
// main is moving that logic into model/ as topk_engine_timing, which this should then call.
// Its kept set, pass count and element count are checked against topk_select in the tests
// (through the golden model's counters and outputs).
#include <algorithm>

#include "blocks.hpp"

namespace sinkattn::sim {

int TopkEngine::select() {
  const std::size_t nn = scores.size();
  const std::vector<std::uint64_t>& s = scores;
  keep.assign(nn, 0);
  std::size_t rank = static_cast<std::size_t>(k);
  std::uint64_t threshold = 0;
  std::vector<std::uint64_t> cand;
  std::size_t len0 = 0, len1 = 0;
  int cycles = 0;  // T_J - T_in
  {
    const std::uint16_t L = lfsr.next();
    const std::size_t pivot_pos = L % nn;
    ++passes;
    elements += nn;
    cycles = static_cast<int>(pivot_pos / P) + 3;
    const std::uint64_t pivot = s[pivot_pos];
    const std::size_t early_end = std::min(nn, (pivot_pos / P + 1) * static_cast<std::size_t>(P));
    std::vector<std::uint64_t> gt0, gt1, lt0, lt1;
    for (std::size_t i = 0; i < nn; ++i) {
      if (s[i] > pivot) (i < early_end ? gt0 : gt1).push_back(s[i]);
      else if (s[i] < pivot) (i < early_end ? lt0 : lt1).push_back(s[i]);
    }
    const std::size_t above = gt0.size() + gt1.size(), below = lt0.size() + lt1.size();
    const std::size_t equal = nn - above - below;
    if (rank <= above) {
      len0 = gt0.size(), len1 = gt1.size();
      cand = gt0;
      cand.insert(cand.end(), gt1.begin(), gt1.end());
    } else if (rank <= above + equal) {
      threshold = pivot;
      goto final_pass;
    } else {
      rank -= above + equal;
      len0 = lt0.size(), len1 = lt1.size();
      cand = lt0;
      cand.insert(cand.end(), lt1.begin(), lt1.end());
    }
  }
  for (;;) {
    const std::uint16_t L = lfsr.next();
    const std::size_t pivot_pos = L % cand.size();
    ++passes;
    elements += cand.size();
    cycles += mod_cycles(static_cast<unsigned>(cand.size())) + beats(static_cast<long>(len0)) +
              beats(static_cast<long>(len1)) + 1;
    const std::uint64_t pivot = cand[pivot_pos];
    std::vector<std::uint64_t> above, below;
    for (const std::uint64_t v : cand) {
      if (v > pivot) above.push_back(v);
      else if (v < pivot) below.push_back(v);
    }
    const std::size_t equal = cand.size() - above.size() - below.size();
    if (rank <= above.size()) {
      cand.swap(above);
    } else if (rank <= above.size() + equal) {
      threshold = pivot;
      break;
    } else {
      rank -= above.size() + equal;
      cand.swap(below);
    }
    len0 = cand.size(), len1 = 0;
  }
final_pass:
  std::size_t greater = 0;
  for (const std::uint64_t v : s) greater += v > threshold;
  std::size_t ties_left = static_cast<std::size_t>(k) - greater;
  for (std::size_t i = 0; i < nn; ++i) {
    if (s[i] > threshold) keep[i] = 1;
    else if (s[i] == threshold && ties_left > 0) keep[i] = 1, --ties_left;
  }
  return cycles;
}

void TopkEngine::edge(int n_in, int k_in, const std::function<void(std::vector<std::uint64_t>&)>& get_scores) {
  const bool out_fire = out_valid && out_ready;
  bool done_d = false;
  switch (st) {
    case kIdle:
      if (start_valid) {
        n = n_in;
        k = k_in;
        last_row = n > 0 ? (n - 1) / P : 0;
        ld_row = 0;
        out_cnt = 0;
        mask.clear();
        fin_have = false;
        sel_mode = all_mode = false;
        emit = 0;
        get_scores(scores);
        if (n == 0) {
          done_d = true;
        } else if (k == 0) {
          st = kLoad;
        } else if (k >= n) {
          all_mode = true;
          emit = n;
          keep.assign(n, 1);
          st = kLoad;
        } else {
          sel_mode = true;
          emit = k;
          wait_left = mod_cycles(static_cast<unsigned>(n));
          st = kMod0;
        }
      }
      break;
    case kMod0:
      if (--wait_left == 0) st = kLoad;
      break;
    case kLoad:
      if (in_valid) {
        if (ld_row == last_row) {
          if (sel_mode) {
            wait_left = select();
            st = kSelect;
          } else if (all_mode) {
            fin_row = 0;
            fin_have = true;
            st = kFinal;
          } else {
            done_d = true;
            st = kIdle;
          }
        }
        ++ld_row;
      }
      break;
    case kSelect:
      if (--wait_left == 0) {
        fin_row = 0;
        fin_have = true;
        st = kFinal;
      }
      break;
    case kFinal: {
      const bool fin_load = fin_have && (mask.empty() || (out_fire && mask.size() == 1));
      if (fin_load) {
        mask.clear();
        for (int i = fin_row * P; i < std::min(n, (fin_row + 1) * P); ++i)
          if (keep[i]) mask.push_back(i);
        if (fin_row != last_row) ++fin_row;
        else fin_have = false;
      } else if (out_fire) {
        mask.pop_front();
      }
      if (out_fire) {
        ++out_cnt;
        if (out_last) {
          mask.clear();
          fin_have = false;
          done_d = true;
          st = kIdle;
        }
      }
      break;
    }
  }
  done_q = done_d;
}

}  // namespace sinkattn::sim
