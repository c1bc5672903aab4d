// The SystemC model of rtl/sinkattn_top.sv, split as the RTL is: the blocks it instantiates are
// block models of their own (kv_fetch.hpp, front.hpp, qk_lanes.hpp, serializer.hpp,
// softmax_unit.hpp, pv_gather.hpp, pv_lanes.hpp, topk_engine.hpp), and the top's own processes
// (memory writes, configuration registers, head state, controller, counters) are one member
// function each, in sinkattn_top.cpp, with the RTL's register names. Memories are index arrays:
// data travels as list positions and trace rows (cells.hpp). The model reads them as it reads
// registers, the cycle it uses the word; the RTL's SRAM cells read a cycle ahead at the next value
// of the reader's counter (write-first where a word may be used the cycle after its write), so
// the two see the same word in the same cycle and the cells need no timing of their own here.
// The RTL's importance update and alive-bitmap drop write a cycle later than the model does;
// no reader looks at those words in between (rtl/sinkattn_top.sv says why).
//
// Port values are plain members: the host sets the inputs, calls comb(), samples the outputs,
// then edge().
#pragma once

#include <systemc>

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "front.hpp"
#include "host_loop.hpp"
#include "kv_fetch.hpp"
#include "pv_gather.hpp"
#include "pv_lanes.hpp"
#include "qk_lanes.hpp"
#include "serializer.hpp"
#include "softmax_unit.hpp"
#include "topk_engine.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::sim {

struct SinkattnTop : sc_core::sc_module {
  enum State {
    StIdle, StClear, StHpScan, StHpDec, StSelStart, StSelFeed, StSelOut, StGrpStart, StRowStart,
    StRowSm, StGrpWait, StEvStart, StEvScan, StEvDec, StEvNext, StDone
  };
  // The row issue (rtl/sinkattn_top.sv's is_q): feeds the job's rows into the Q.K lanes ahead of
  // the controller, which retires them in order.
  enum IssueState { IsIdle, IsStart, IsQk };
  static constexpr int kRowTagDepth = host::kQueueRowTags;  // u_row_tag (configs/host_contract.yaml)

  // ---- ports ----
  bool cmd_valid = false;
  int cmd_op = 0;
  std::uint64_t cmd_addr = 0;
  std::uint64_t cmd_data = 0;
  const std::int16_t* cmd_vec = nullptr;  // a trace row (the host's vector)
  bool row_ready = false;
  bool cmd_ready = false, row_valid = false;
  bool ev_valid = false;
  host::PhaseEvent ev{};

  SinkattnTop(sc_core::sc_module_name n, const Config& cfg, const IntTrace& tr);

  std::uint64_t counter(int i) const { return ctr_[i]; }
  int row_step() const { return t_; }
  int row_layer() const { return l_; }
  int row_head() const { return em_head_; }
  bool row_active() const { return em_act_; }
  const std::vector<std::int16_t>& row_data() const { return gather.row; }  // zeros for a pruned head
  // Cycles the controller can skip in bulk from the current state with nothing else moving,
  // or 0 (the clear sweep: one entry per cycle, no handshake).
  std::uint64_t clear_cycles_left() const;
  // Advances the clear sweep by n < clear_cycles_left() cycles (nothing else moves in them).
  void skip_clear_partial(std::uint64_t n);
  bool quiet() const { return st_ == StIdle || st_ == StClear; }
  // The controller's state in one line, for a watchdog report.
  std::string debug_state() const;

  // DRAM port inputs for this cycle.
  void set_mem(bool req_ready, bool resp_valid, bool resp_last) {
    fetch.req_ready = req_ready;
    fetch.resp_valid = resp_valid;
    fetch.resp_last = resp_last;
  }

  void comb();
  void edge();

 private:
  // ---- the top's processes, in the RTL's order (sinkattn_top.cpp) ----
  void comb_derived();      // derived step values, the controller's pulses
  void edge_datapath();     // the Q.K lanes, softmax, P.V lanes, K/V fetch and top-k engine
  void edge_counters();     // the performance counters, what each adds this cycle
  void edge_memories();     // memory writes
  void edge_config();       // the configuration registers (the host's writes)
  void edge_heads();        // head importance and head-pruned masks
  void edge_controller();   // the state machine and the event register
  void edge_issue();        // the row issue and its row tags
  void edge_emit();         // the emit slot

  std::size_t imp_index(int scope, int list, int tok) const {
    return (static_cast<std::size_t>(scope) * tr_.shape.kv_heads + list) * tr_.shape.tokens + tok;
  }
  std::uint64_t& evict_at(int list, int tok) { return evict_[static_cast<std::size_t>(list) * tr_.shape.tokens + tok]; }
  // The eviction scan's token walk after j_ (list g_), a word of hw.scan_width tokens at a time:
  // the word's next token alive at this layer before the window, else the next word's first.
  int ev_walk_next() {
    const int w = hw_.scan_width, base = j_ / w * w;
    for (int tok = j_ + 1; tok < base + w; ++tok)
      if (tok < mid_end_ && !(evict_at(g_, tok) & lbit_)) return tok;
    return base + w;
  }
  // Eviction from a read list (rtl/sinkattn_top.sv): the bank of list g_'s last job and whether
  // that job, still in its bank, scanned in this run and topk, holds the eviction's candidates.
  int evl_bank() const { return cfg_ghead_ ? (g_ & 1) : ((cfg_hkv_ - 1) & 1); }
  bool evl_ok() const {
    const int b = evl_bank(), job = front.job_of[b];
    return front.walked[b] && (!cfg_ghead_ || job == g_) && policy_code(l_, job) == host::kPolicyTopk;
  }
  // The head policy code (host::kPolicy*) of KV head `g` at `layer`, as OpPolicy wrote it.
  int policy_code(int layer, int g) const {
    return static_cast<int>((policy_[layer] >> (host::kPolicyBits * g)) & ((1u << host::kPolicyBits) - 1));
  }
  int& list_at(bool bank, int pos) { return list_[static_cast<std::size_t>(bank) * hw_.max_tokens + pos]; }
  const std::int16_t* k_row(int pos) { return tr_.k_row(l_, g_, list_at(bk_, pos)); }
  const std::int16_t* v_row(int pos) { return tr_.v_row(l_, g_, list_at(bk_, pos)); }

  const HwConfig hw_;
  const IntTrace& tr_;
  const int d_;
  static constexpr std::uint64_t kImpMask = (1ULL << num::kImportanceBits) - 1;

  // Memories (before the blocks: the front reads the head-pruned masks)
  std::vector<const std::int16_t*> q_;
  std::vector<std::uint32_t> mant_;
  std::vector<int> shift_;
  std::vector<int> list_, cand_;
  std::vector<std::uint64_t> imp_, evict_, hpruned_, himp_;

 public:
  // ---- blocks ----
  KvFetch fetch;
  Front front;
  QkLanes qk;
  Serializer ser;
  SoftmaxUnit sm;
  PvGather gather;
  PvLanes pv;
  TopkEngine tk;

 private:
  // Configuration registers
  int cfg_layers_ = 0, cfg_hq_ = 0, cfg_hkv_ = 0, cfg_group_ = 0, cfg_d_ = 0, cfg_t_ = 0, cfg_prompt_ = 0,
      cfg_sinks_ = 0, cfg_window_ = 0, cfg_warm_ = 0;
  bool cfg_pq_ = false, cfg_cascade_ = false, cfg_ghead_ = false, cfg_hp_ = false;
  std::uint32_t cfg_tau_ = 0;
  std::vector<int> budget_, keep_;
  std::vector<std::uint64_t> policy_;
  // Controller
  State st_ = StIdle;
  std::uint64_t cyc_ = 0, phase_start_ = 0;
  int t_ = 0, l_ = 0, g_ = 0, gbase_ = 0, r_ = 0, j_ = 0, cnt_ = 0, kk_ = 0, topk_beat_ = 0, ptr_ = 0;
  bool sel_hp_ = false, done_seen_ = false;
  bool prefill_ = false;  // the run is a prefill eviction pass
  bool lsb_started_ = false, first_ = false, disc_ = false;
  std::uint32_t gpass2_ = 0;  // the retiring group's rows recomputed with full keys
  // The emission walker: the retired group's rows not yet in the emit slot, their refetched bits
  int wk_left_ = 0;
  std::uint32_t wk_ref_ = 0;
  int kb_ = 0;
  // The emit slot (rtl/sinkattn_top.sv, "Row emission"): a retired row waiting for its outputs
  // and the row port
  bool em_valid_ = false, em_act_ = false, em_refetched_ = false;
  int em_head_ = 0, em_n_ = 0;
  // Eviction from a read list
  bool evl_ = false;       // the eviction scan walks a bank's read list
  bool evl_bank_ = false;  //   that bank
  int evl_end_ = 0;        //   the list position after its middle
  bool evj_ = false;       // the eviction of list g runs in the job phase, right after job g
  bool ev_port_back_ = false;  // the alive bitmap's read port is the eviction's this cycle
  bool scan_word_ok_ = true;   // it was the front's last cycle: the front's word is there
  // Row issue
  IssueState is_ = IsIdle;
  int ir_ = 0;               // row of the group the issue starts next / is issuing
  bool ipass2_ = false;      // the row being issued is a recompute pass
  bool rw_ = false;          // the group is to be issued again (rewind) from ...
  int rw_row_ = 0;           //   this row, its sub-group's first
  int igcnt_ = 0;            // rows issued in the current sub-group
  int ig_first_ = 0;         // the current sub-group's first row
  bool iwait_ = false;       // a group's last row is issued, its decision not taken
  bool ire_ = false;         // the sub-group is a re-issue: each row's pass from ...
  std::uint32_t imask_ = 0;  //   the redo mask, by the row's place in the sub-group
  struct RowTag {
    int head;
    bool glast;  // the group's last row
  };
  std::deque<RowTag> row_tag_;  // issued rows not yet wholly in the softmax
  int cl_s_ = 0, cl_l_ = 0, cl_t_ = 0;
  // Event register
  bool ev_valid_q_ = false;
  host::PhaseEvent ev_q_{};
  std::array<std::uint64_t, host::kNumCounters> ctr_{};

  // ---- combinational values of the cycle ----
  int sinks_end_ = 0, mid_end_ = 0, lists_ = 0, h_cur_ = 0, scope_ = 0, list_g_ = 0, pol_g_ = 0;
  std::uint64_t lbit_ = 0, ge_mask_ = 0;
  bool any_topk_ = false, in_jobs_ = false;
  bool grp_start_ = false, rows_on_ = false, iss_more_ = false, iss_pruned_ = false, decide_ = false;
  bool redo_ = false, iglast_ = false;  // iglast_: the row the issue starts is its group's last
  int ih_ = 0;  // query head of the row the issue starts or issues
  bool bk_ = false;  // bank of the back's job g
  int n_b_ = 0;
  bool keys_ready_ = false, qk_k_valid_ = false, qk_k_last_ = false, qk_fire_ = false;
  QkLanes::Beat qk_in_;
  bool disc_now_ = false, v_ready_ = false, p_fire_ = false;
  bool sm_p_last_ = false;
  std::vector<std::uint32_t> sm_p_;  // the entry's probability per row (zero beyond its rows)
  int sm_rows_ = 1;                  // its group's rows
  std::uint32_t redo_mask_ = 0;      // at a group's first entry: its rows to recompute
  bool wk_pruned_ = false;           // the walker's head is pruned at this layer
  PvLanes::Beat pv_in_;
  bool pv_out_valid_ = false, pv_out_last_ = false, pv_out_fire_ = false;
  bool row_next_ = false, grp_done_ = false;  // a row retires into the emit slot; job g is done
  bool row_taken_ = false;                    // a row leaves on the row port (set at the edge)
  bool em_valid_pre_ = false;                 // em_valid_ before this edge
  bool drop_ = false, sel_finish_ = false, cmd_fire_ = false;
  int drop_tok_ = 0;
  bool fetch_lsb_start_ = false;
  // The controller's pulses to the other blocks (each wins over the block's own update)
  bool run_start_ = false, head_clear_ = false, row_start_ = false, job_release_ = false;
  const std::int16_t* qk_q_ = nullptr;  // qk_lanes' query register
};

}  // namespace sinkattn::sim
