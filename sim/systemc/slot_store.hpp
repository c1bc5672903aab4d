// The slot store (rtl/sinkattn_slot_store.sv, docs/slot_store.md): per (scope, list) the order
// array of scored tokens {evicted-at mask, token}, their scores at the same positions, and
// {n, next}; the clear, the host's loads and the maintenance pass, register for register.
//
// The cells are index arrays read the cycle the word is used (cells.hpp): the pass reads entry
// r and its score in the cycle it decides on it, where the RTL read them a cycle ahead; the word
// is the same, because the pass writes only positions w <= r behind its reader.
#pragma once

#include <systemc>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <vector>

namespace sinkattn::sim {

struct SlotStore : sc_core::sc_module {
  struct Entry {
    std::uint64_t mask = 0;  // evicted-at mask: bit l, evicted at layer l
    int token = 0;
    bool operator==(const Entry& o) const { return mask == o.mask && token == o.token; }
  };
  enum State { SIdle, SClear, SLen, SWalk, SApp, SEnd };

  // ---- inputs, set by the user before edge() (rtl/sinkattn_slot_store.sv's ports) ----
  bool clear = false, pass = false, load = false;
  int clear_scopes = 0, clear_lists = 0;  // the clear's counts
  int scope = 0, list = 0;                // the pass's or the load's
  std::uint64_t dead_mask = 0;            // pass: an entry with all these bits set is dead
  int first_tok = 0, last_tok = 0;        // S (pass, load); t (pass)
  int load_tok = 0;                       // load: the token and its score
  std::uint64_t load_score = 0;
  bool o_we = false;                      // the user's entry write
  int o_wscope = 0, o_wlist = 0, o_wpos = 0;
  Entry o_wentry;
  bool i_we = false;                      // the user's score write
  int i_wscope = 0, i_wlist = 0, i_wpos = 0;
  std::uint64_t i_wdata = 0;

  SlotStore(sc_core::sc_module_name nm, int max_layers, int max_kv_heads, int slots)
      : sc_core::sc_module(nm), max_kv_heads_(max_kv_heads), slots_(slots) {
    const std::size_t lists = static_cast<std::size_t>(max_layers) * max_kv_heads;
    ord_.assign(lists * slots, Entry{});
    score_.assign(lists * slots, 0);
    n_.assign(lists, 0);
    next_.assign(lists, 0);
  }

  bool busy() const { return st_ != SIdle; }
  State state() const { return st_; }
  // The cells, as the user reads them.
  const Entry& entry(int sc, int li, int pos) const { return ord_[at(index(sc, li), pos)]; }
  std::uint64_t score(int sc, int li, int pos) const { return score_[at(index(sc, li), pos)]; }
  int n(int sc, int li) const { return n_[index(sc, li)]; }
  int next(int sc, int li) const { return next_[index(sc, li)]; }

  void edge() {
    const bool walk_dead = st_ == SWalk && dead(ord_[at(li_, r_)]);  // entry r, as its word was read
    // ---- cell writes, from the registers before the edge ----
    if (st_ == SWalk) {
      const Entry e = ord_[at(li_, r_)];
      if (!walk_dead) {
        ord_[at(li_, w_)] = e;
        score_[at(li_, w_)] = score_[at(li_, r_)];
      }
    } else if (st_ == SApp) {
      overflow_check(w_, a_);
      ord_[at(li_, w_)] = Entry{0, a_};
      score_[at(li_, w_)] = 0;
    }
    if (load) {
      const int li = index(scope, list), pos = load_tok - first_tok;
      overflow_check(pos, load_tok);
      ord_[at(li, pos)] = Entry{0, load_tok};
      score_[at(li, pos)] = load_score;
      n_[li] = pos + 1;
      next_[li] = load_tok + 1;
    }
    if (o_we) ord_[at(index(o_wscope, o_wlist), o_wpos)] = o_wentry;
    if (i_we) score_[at(index(i_wscope, i_wlist), i_wpos)] = i_wdata;
    if (st_ == SClear) n_[li_] = next_[li_] = 0;
    if (st_ == SEnd) {
      n_[li_] = w_;
      next_[li_] = a_;
    }
    // ---- controller ----
    switch (st_) {
      case SIdle:
        if (clear) {
          cs_ = cl_ = li_ = 0;
          cs_n_ = clear_scopes;
          cl_n_ = clear_lists;
          st_ = SClear;
        } else if (pass) {
          li_ = index(scope, list);
          dead_ = dead_mask;
          first_ = first_tok;
          last_ = last_tok;
          st_ = SLen;
        }
        break;
      case SClear:
        if (cl_ + 1 < cl_n_) {
          ++cl_;
          ++li_;
        } else if (cs_ + 1 < cs_n_) {
          cl_ = 0;
          ++cs_;
          li_ = cs_ * max_kv_heads_;
        } else {
          st_ = SIdle;
        }
        break;
      case SLen: {
        const int a = next_[li_] < first_ ? first_ : next_[li_];
        nn_ = n_[li_];
        r_ = w_ = 0;
        a_ = a;
        st_ = nn_ != 0 ? SWalk : a <= last_ ? SApp : SEnd;
        break;
      }
      case SWalk:
        if (!walk_dead) ++w_;
        ++r_;
        if (r_ == nn_) st_ = a_ <= last_ ? SApp : SEnd;
        break;
      case SApp:
        ++w_;
        if (a_++ == last_) st_ = SEnd;
        break;
      case SEnd: st_ = SIdle; break;
    }
  }

 private:
  int index(int sc, int li) const { return sc * max_kv_heads_ + li; }
  std::size_t at(int li, int pos) const { return static_cast<std::size_t>(li) * slots_ + pos; }
  // A zero dead mask kills nothing (the top always names a layer).
  bool dead(const Entry& e) const { return dead_ != 0 && (e.mask & dead_) == dead_; }
  void overflow_check(int pos, int tok) const {
    if (pos >= 0 && pos < slots_) return;
    std::cerr << "SlotStore (SystemC): token " << tok << " at position " << pos << " is outside the list's "
              << slots_ << " slots\n";
    std::abort();
  }

  const int max_kv_heads_, slots_;
  std::vector<Entry> ord_;
  std::vector<std::uint64_t> score_;
  std::vector<int> n_, next_;
  // Registers
  State st_ = SIdle;
  int li_ = 0, cs_ = 0, cl_ = 0, cs_n_ = 0, cl_n_ = 0, first_ = 0, last_ = 0, nn_ = 0, r_ = 0, w_ = 0, a_ = 0;
  std::uint64_t dead_ = 0;
};

}  // namespace sinkattn::sim
