// The SystemC mirrors of the RTL's shared cells (rtl/cells/), and how every block model of the
// SystemC model is built.
//
// One sc_module per RTL block (kv_fetch.hpp, front.hpp, qk_lanes.hpp, serializer.hpp,
// softmax_unit.hpp, pv_gather.hpp, pv_lanes.hpp, topk_engine.hpp, slot_store.hpp; the top is sinkattn_top.hpp's
// SinkattnTop), each with the RTL block's handshake
// interface and the RTL's register-level control, so that every valid/ready decision is taken in
// the same cycle as in the RTL. Data travels as indices (list positions, tokens, probabilities)
// and is computed with the golden model's own numeric functions, so outputs are bit-exact by
// construction; only the timing is modelled register by register.
//
// Evaluation discipline (the SimTop clock process drives it): once per cycle every block's
// combinational outputs are computed from its registers (`comb`), the top wires them together,
// then every block's registers advance at the clock edge (`edge`) from those values. A block's
// `edge` touches only its own state, so the order of the edges does not matter.
#pragma once

namespace sinkattn::sim {

// rtl/cells/row_issue.sv: one index per issue, 0 .. n-1, of a row in the current one of two
// banks, then on to the other bank. The row's length is read from the bank when the row starts
// and held until its last issue (the row's constants, which the RTL carries alongside, are the
// caller's: here they stay in the banks).
struct RowIssue {
  int bank = 0;  // the current bank (flips after a row's last issue)
  // Combinational, from comb():
  bool start = false, issue = false, last = false;
  int idx = 0, n = 0;

  // `ready`: the current bank's row may start; `credit`: room downstream; `bank_n`: the current
  // bank's row length.
  void comb(bool ready, bool credit, int bank_n) {
    start = !run_ && ready && credit;
    issue = (run_ || ready) && credit;
    idx = run_ ? idx_ : 0;
    n = run_ ? n_ : bank_n;
    last = issue && idx == n - 1;
  }
  void edge() {
    if (!issue) return;
    run_ = !last;
    idx_ = idx + 1;
    n_ = n;
    if (last) bank ^= 1;
  }

 private:
  bool run_ = false;  // a row is running (its next index is idx_)
  int idx_ = 0, n_ = 0;
};

}  // namespace sinkattn::sim
