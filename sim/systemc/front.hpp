// The front (rtl/sinkattn_front.sv): the list scan of the job one ahead of the rows and the
// state of the two banks of the read list and K/V store: busy (take to release), listed (list
// complete), list length, take stamp and the store's done pointers. The controller's pulses
// (run_start, release) win over the front's own updates, as in the RTL.
//
// The scan looks at one word of the alive bitmap a cycle (hw.scan_width tokens): it appends the
// first token at or after `tok` in that word that the job reads and moves past it, or, when the
// word has none, moves to the next word. The bitmap's read port is shared with the eviction
// (rtl/sinkattn_front.sv): while the port was not the front's, the scan holds.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <vector>

#include "sinkattn/host_contract_gen.hpp"

namespace sinkattn::sim {

struct Front : sc_core::sc_module {
  // ---- registers ----
  std::array<bool, 2> busy{}, listed{};
  std::array<int, 2> n{}, k_done{}, v_done{}, lsb_done{};
  std::array<std::uint64_t, 2> start{};
  std::array<int, 2> job_of{};        // per bank: its job (KV head)
  std::array<bool, 2> walked{};       // per bank: its list was scanned in this run
  int job = 0;        // next job (KV head) the front takes
  int head_base = 0;  // its first query head
  bool scan = false;  // scanning job `job`'s tokens
  int tok = 0;        // scan index: the first token not yet looked at

  // ---- inputs, set by the top before comb() / edge() ----
  bool in_jobs = false;                 // the back is in the job phase of the run
  int kv_heads = 0, group = 0;          // trace Hkv; query heads per KV head
  bool ghead = false;                   // per-head granularity: one alive list per KV head
  int sinks_end = 0, mid_end = 0;       // the step's sink and window boundaries
  std::uint64_t layer_bit = 0;          // 1 << l: the head-pruned masks' bit of this layer
  int pol = 0;                          // head policy of job `job` at this layer (host::kPolicy*)
  std::uint64_t word_evicted = 0;       // bit i: token scan_word_base() + i is evicted at this layer
                                        //   (alive list scan_list())
  bool word_ok = true;                  // the alive bitmap's read port was the front's last
                                        //   cycle, so word_evicted is its word (else it holds)
  bool fetch_main_free = false;         // the K/V fetch's main context can take a job
  int step = 0;                         // decode step t: the scan covers tokens 0..t

  // ---- combinational ----
  bool bank = false, active = false, take = false, fetch_start = false, list_we = false;
  bool skip_mid = false;             // the job reads no middle token (streaming head): the scan
  int tok_first = 0, tok_next = 0;   //   jumps from the sinks to the window; its first and next token
  int emit = 0;                      // the token appended this cycle (when list_we)
  bool last = false;                 // the scan's last cycle: tok_next is past the step

  // `hpruned`: the top's head-pruned masks (head_alive_i is their layer bit, negated).
  // `scan_width`: hw.scan_width, tokens per alive-bitmap word (a power of two, at most 64).
  Front(sc_core::sc_module_name nm, const std::vector<std::uint64_t>& hpruned, int max_q_heads, int scan_width)
      : sc_core::sc_module(nm), hpruned_(hpruned), max_q_heads_(max_q_heads), scan_width_(scan_width) {}

  int scan_list() const { return ghead ? job : 0; }                // the alive list of the front's job
  int scan_word_base() const { return tok / scan_width_ * scan_width_; }  // first token of tok's word

  void comb() {
    bank = job & 1;
    active = false;
    for (int h = head_base; h < head_base + group && h < max_q_heads_; ++h) active |= !(hpruned_[h] & layer_bit);
    // The front takes job `job` when its bank is free and, if it fetches, the main context is free.
    take = in_jobs && !scan && job < kv_heads && !busy[bank] && (fetch_main_free || !active);
    fetch_start = take && active;
    // The scan's walk: 0 .. t, word by word, over the middle in one step when it is skipped
    // (mid_end <= t: the window is never empty, so the walk still ends at t).
    skip_mid = pol == host::kPolicyStreaming && sinks_end < mid_end && mid_end <= step;
    tok_first = skip_mid && sinks_end == 0 ? mid_end : 0;
    // The first token of the word at or after `tok` that the job reads: sink, window, or middle
    // by the head policy.
    const int base = scan_word_base();
    bool found = false;
    emit = 0;
    for (int i = tok - base; i < scan_width_ && !found; ++i) {
      const int j = base + i;
      if (j > step) break;
      if (j < sinks_end || j >= mid_end || pol == host::kPolicyRetrieval ||
          (pol == host::kPolicyTopk && !((word_evicted >> i) & 1))) {
        found = true;
        emit = j;
      }
    }
    list_we = scan && found && word_ok;
    const int next = found ? emit + 1 : base + scan_width_;
    tok_next = skip_mid && next >= sinks_end && next < mid_end ? mid_end : next;
    last = tok_next > step;
  }

  // `cyc`: the cycle counter (the take's stamp); the store write of kv_fetch.
  void edge(bool run_start, bool release, bool release_bank, std::uint64_t cyc, bool wr_valid, int wr_bank, int wr_pos,
            int wr_plane) {
    if (wr_valid) {  // store pointers (per bank, the fetch writes rows in list order)
      if (wr_plane == 2) lsb_done[wr_bank] = wr_pos + 1;
      else if (wr_plane == 3) v_done[wr_bank] = wr_pos + 1;
      else k_done[wr_bank] = wr_pos + 1;
    }
    if (take) {
      const int b = bank;
      busy[b] = true;
      start[b] = cyc;
      n[b] = 0;
      k_done[b] = v_done[b] = lsb_done[b] = sinks_end;
      tok = tok_first;
      job_of[b] = job;
      walked[b] = active;
      if (active) {
        listed[b] = false;
        scan = true;
      } else {  // every head of the group is pruned: an empty job
        listed[b] = true;
        ++job;
        head_base += group;
      }
    } else if (scan && word_ok) {
      const int b = bank;
      if (list_we) ++n[b];
      if (last) {
        listed[b] = true;
        scan = false;
        ++job;
        head_base += group;
      } else {
        tok = tok_next;
      }
    }
    // The controller's pulses, after (over) the front's own updates.
    if (run_start) {
      job = head_base = 0;
      walked = {false, false};
    }
    if (release) busy[release_bank] = false;
  }

 private:
  const std::vector<std::uint64_t>& hpruned_;
  const int max_q_heads_;
  const int scan_width_;
};

}  // namespace sinkattn::sim
