// K/V fetch (rtl/kv_fetch.sv): list positions to burst requests, tag FIFO, plane-row completion.
//
// How the block models are evaluated: sim/systemc/cells.hpp.
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <deque>

#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn::sim {

struct KvFetch : sc_core::sc_module {
  // Parameters
  int burst_bytes = 64, tag_depth = host::kQueueFetchTags, plane_shift = 7;
  // Registers: the main context (one job's key and value planes) and the LSB context
  // (main: pos is the key pointer, vpos the value pointer, vplane the kind of the row in
  // progress while off != 0; rtl/kv_fetch.sv)
  struct Context {
    bool act = false, bank = false, vplane = false;
    int group = 0, pos = 0, off = 0, vpos = 0;
  } m, l;
  struct Tag {
    bool bank;
    int pos, plane;
    bool last;
  };
  std::deque<Tag> tags;
  std::array<int, 2> infl{};  // requests in flight per bank
  // Inputs (set by the top before comb)
  bool start = false, start_bank = false, lsb_start = false, lsb_bank = false, pq = false;
  int start_group = 0, lsb_group = 0;
  std::array<bool, 2> list_done{};
  std::array<int, 2> list_n{};
  int layer = 0, kv_heads = 0, tokens = 0, head_dim = 0, first_pos = 0, mid_end = 0, list_tok = 0;
  bool req_ready = false, resp_valid = false, resp_last = false;
  // Combinational outputs
  int plane = 0, len = 0;
  bool use_l = false, m_have = false, sel_v = false, last_burst = false, req_valid = false, req_fire = false, idle = true;
  bool main_free = true;
  std::array<bool, 2> bank_idle{true, true};
  std::uint64_t addr = 0;
  int by_window = 0, by_middle = 0, by_lsb = 0;
  bool wr_valid = false, wr_bank = false;
  int wr_pos = 0, wr_plane = 0;

  explicit KvFetch(sc_core::sc_module_name n) : sc_core::sc_module(n) {}

  int row_bytes(int p) const {
    const int bits = p == 1 ? num::kKeyMsbBits : p == 2 ? num::kKeyLsbBits : num::kDataBits;
    return (head_dim * bits + 7) / 8;
  }
  // The list entry the request side reads this cycle (before comb_req: list_tok = list[bank][pos]).
  void comb_sel() {
    const bool k_have = m.act && m.pos < list_n[m.bank];
    const bool v_have = m.act && m.vpos < m.pos;
    sel_v = m.off != 0 ? m.vplane : !k_have;  // the next key row first, else a value row
    m_have = m.off != 0 || k_have || v_have;
    const bool l_have = l.act && l.pos < list_n[l.bank];
    use_l = l_have && m.off == 0;  // LSB first, between main plane rows
  }
  bool sel_bank() const { return use_l ? l.bank : m.bank; }
  int sel_pos() const { return use_l ? l.pos : sel_v ? m.vpos : m.pos; }
  void comb_req() {
    const Context& c = use_l ? l : m;
    plane = use_l ? 2 : sel_v ? 3 : (pq ? 1 : 0);
    const int rem = row_bytes(plane) - c.off;
    len = rem > burst_bytes ? burst_bytes : rem;
    last_burst = rem <= burst_bytes;
    req_valid = (use_l || m_have) && static_cast<int>(tags.size()) < tag_depth;
    const std::uint64_t row =
        ((static_cast<std::uint64_t>(layer) * kv_heads + c.group) * tokens + list_tok) * 4 + plane;
    addr = (row << plane_shift) + c.off;
    idle = !m.act && !l.act && tags.empty();
    main_free = !m.act;
    for (int b = 0; b < 2; ++b)
      bank_idle[b] = !(m.act && m.bank == b) && !(l.act && l.bank == b) && infl[b] == 0;
  }
  void comb_port() {
    req_fire = req_valid && req_ready;
    by_window = by_middle = by_lsb = 0;
    if (req_fire) {
      if (plane == 2) by_lsb = len;
      else if (list_tok >= mid_end) by_window = len;
      else by_middle = len;
    }
    const bool tag_pop = resp_valid && resp_last;
    wr_valid = tag_pop && tags.front().last;
    wr_bank = wr_valid && tags.front().bank;
    wr_pos = wr_valid ? tags.front().pos : 0;
    wr_plane = wr_valid ? tags.front().plane : 0;
  }
  void edge() {
    const bool bank = sel_bank();
    if (req_fire) {
      tags.push_back({bank, sel_pos(), plane, last_burst});
      ++infl[bank];
    }
    if (resp_valid && resp_last) {
      --infl[tags.front().bank];
      tags.pop_front();
    }
    // Main context
    if (start) {
      m = Context{true, start_bank, false, start_group, first_pos, 0, first_pos};
    } else if (req_fire && !use_l) {
      m.vplane = sel_v;
      if (!last_burst) {
        m.off += len;
      } else {
        m.off = 0;
        ++(sel_v ? m.vpos : m.pos);
      }
    } else if (m.act && list_done[m.bank] && !m_have) {
      m.act = false;
    }
    // LSB context
    if (lsb_start) {
      l = Context{true, lsb_bank, false, lsb_group, first_pos, 0, 0};
    } else if (req_fire && use_l) {
      if (!last_burst) {
        l.off += len;
      } else {
        l.off = 0;
        ++l.pos;
      }
    } else if (l.act && !(l.pos < list_n[l.bank])) {
      l.act = false;
    }
  }
};

}  // namespace sinkattn::sim
