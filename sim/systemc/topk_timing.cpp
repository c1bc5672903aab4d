// The top-k engine block of the SystemC model. The quick-select phase is one wait of the
// documented formula's T_J - T_in cycles (rtl/topk_engine_latency.md, evaluated by the model
// library's topk_engine_timing, the same function the RTL harness checks the Verilated engine
// against on every vector); loading and the final pass are stepped cycle by cycle, because the
// controller back-pressures the index stream.
#include <algorithm>

#include "sinkattn/topk.hpp"
#include "topk_engine.hpp"

namespace sinkattn::sim {

int TopkEngine::select() {
  std::vector<TopkPass> trace;
  const TopkStats st = topk_select(scores, k, lfsr, keep, &trace);
  passes += st.passes;
  elements += st.elements;
  return static_cast<int>(topk_engine_timing(scores, k, keep, trace, P, mod_steps).select());
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
