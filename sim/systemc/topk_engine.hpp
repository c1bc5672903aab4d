// Top-k engine (rtl/topk_engine.sv): command, loading, quick-select, final pass. Loading and the
// final pass (which the top back-pressures) are modelled cycle by cycle; the quick-select
// passes in between take the documented number of cycles (rtl/topk_engine_latency.md), a
// single wait of T_J - T_in cycles.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "sinkattn/topk.hpp"

namespace sinkattn::sim {

struct TopkEngine : sc_core::sc_module {
  enum State { kIdle, kMod0, kLoad, kSelect, kFinal };
  int P = 16, mod_steps = 8;
  State st = kIdle;
  Lfsr16 lfsr{1};
  bool done_q = false, sel_mode = false, all_mode = false;
  int n = 0, k = 0, wait_left = 0, ld_row = 0, last_row = 0, fin_row = 0, out_cnt = 0, emit = 0;
  bool fin_have = false;
  std::deque<int> mask;  // kept positions of the row on the output, ascending
  std::vector<std::uint64_t> scores;  // snapshot at the command (the top holds them stable)
  std::vector<std::uint8_t> keep;
  int passes = 0;
  std::uint64_t elements = 0;
  // Inputs
  bool start_valid = false, in_valid = false, out_ready = false;
  // Outputs
  bool start_ready = false, in_ready = false, out_valid = false, out_last = false, done = false;
  int out_index = 0;

  explicit TopkEngine(sc_core::sc_module_name nm) : sc_core::sc_module(nm) {}

  int mod_cycles(unsigned c) const { return static_cast<int>(topk_mod_cycles(c, mod_steps)); }

  void comb() {
    start_ready = st == kIdle;
    in_ready = st == kLoad;
    out_valid = st == kFinal && !mask.empty();
    out_index = out_valid ? mask.front() : 0;
    out_last = out_cnt == emit - 1;
    done = done_q;
  }
  // `get_scores` is called on the command handshake with n and fills the candidates' scores.
  void edge(int n_in, int k_in, const std::function<void(std::vector<std::uint64_t>&)>& get_scores);
  // Quick-select of the loaded scores: keep set, LFSR, pass record and the cycles from the last
  // input beat to the threshold (T_J - T_in).
  int select();
};

}  // namespace sinkattn::sim
