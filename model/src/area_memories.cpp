// The on-chip memory inventory of the RTL, one entry per array, sized as the RTL sizes it. The
// area test checks every entry against the memories Yosys infers (configs/area/calibration/
// yosys_memories.csv, and live in the rtl-labelled test area_memories_yosys): words, width and
// ports. When the RTL's memories change, this list is the one place to follow it.
#include <algorithm>

#include "sinkattn/area.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn {
namespace {

int clog2(long long x) {
  int b = 0;
  while ((1LL << b) < x) ++b;
  return b;
}

}  // namespace

std::vector<MemoryGeometry> memory_inventory(const HwConfig& hw) {
  const long long d = hw.head_dim, n = hw.max_tokens;
  const int vec_bits = static_cast<int>(d) * num::kDataBits;
  const int tok_w = clog2(n + 1);  // token counts and indices 0..MaxTokens (TokW)
  const int pos_w = clog2(n);      // list positions (PosW)
  const int lay_w = clog2(hw.max_layers), kv_w = clog2(hw.max_kv_heads);
  const int shift_bits = clog2(num::kScaleShiftMax + 1);
  const int p = hw.topk_parallelism;
  const int qk = hw.qk_lanes, pv = hw.pv_lanes;
  const auto ceil_div = [](long long a, long long b) { return (a + b - 1) / b; };
  const auto at_least_2 = [](long long w) { return std::max(2LL, w); };  // ram_2p's Depth >= 2
  const long long entries = static_cast<long long>(hw.max_layers) * hw.max_kv_heads;  // (layer, KV head)
  constexpr int kTagDepth = host::kQueueFetchTags;  // kv_fetch's requests in flight (configs/host_contract.yaml)
  // softmax_unit: two banks of MaxTokens scores, and per row two slots of MaxTokens exps,
  // addressed {bank or slot, index}.
  const long long sm_words = 2LL << (n > 1 ? clog2(n) : 1);

  // name, block, words, width, read ports, write ports, banks. Every memory of the top is a
  // ram_2p cell (one registered read port, one write port); where a datapath reads several words
  // a cycle, the memory is banked by lane, one cell per lane ("[]" in the name).
  return {
      // sinkattn_sink_sram.sv: per (layer, KV head), SinkSramTokens rows of D elements, sink token
      // s in key cell s mod QkLanes and value cell s mod PvLanes.
      {"u_sink.u_key.g_lane[].u_ram.mem", "sink_sram", at_least_2(entries * ceil_div(hw.sink_sram_tokens, qk)), vec_bits, 1, 1,
       qk},
      {"u_sink.u_val.g_lane[].u_ram.mem", "sink_sram", at_least_2(entries * ceil_div(hw.sink_sram_tokens, pv)), vec_bits, 1, 1,
       pv},
      // sinkattn_kv_store.sv: two job banks of MaxTokens list positions, position i in key cell
      // i mod QkLanes (MSB and LSB planes) and value cell i mod PvLanes.
      {"u_kv.u_msb.g_lane[].u_ram.mem", "kv_store", 2 * ceil_div(n, qk), static_cast<int>(d) * num::kKeyMsbBits, 1, 1, qk},
      {"u_kv.u_lsb.g_lane[].u_ram.mem", "kv_store", 2 * ceil_div(n, qk), static_cast<int>(d) * num::kKeyLsbBits, 1, 1, qk},
      {"u_kv.u_val.g_lane[].u_ram.mem", "kv_store", 2 * ceil_div(n, pv), vec_bits, 1, 1, pv},
      // Read lists of the two job banks, one copy per reader: the fetch's main context (its key
      // and value pointers) and LSB context, and the importance update.
      {"u_list_fm.mem", "read_lists", 2 * n, tok_w, 1, 1, 1},
      {"u_list_fv.mem", "read_lists", 2 * n, tok_w, 1, 1, 1},
      {"u_list_fl.mem", "read_lists", 2 * n, tok_w, 1, 1, 1},
      {"u_list_pv.mem", "read_lists", 2 * n, tok_w, 1, 1, 1},
      // Token importance {layer scope, list, token}: the eviction scan or the update reads.
      {"u_imp_mem.mem", "importance", 1LL << (lay_w + kv_w + pos_w), num::kImportanceBits, 1, 1, 1},
      // Evicted-at-layer masks {list, word} of scan_width tokens each (a write lane per token):
      // the list scan (a word a cycle) or the eviction scan reads.
      {"u_evict_mem.mem", "alive_bitmap", 1LL << (kv_w + clog2(n / hw.scan_width)),
       static_cast<int>(hw.max_layers) * hw.scan_width, 1, 1, 1},
      // Top-k candidates: tokens (the walk reads) and scores in TopkParallelism banks (the feed).
      {"u_cand_mem.mem", "topk_candidates", n, tok_w, 1, 1, 1},
      {"g_cand_score[].u_score.mem", "topk_candidates", at_least_2(ceil_div(n, p)), num::kImportanceBits, 1, 1, p},
      // This (step, layer)'s queries (a cell) and their score scales (register files).
      {"u_q_mem.mem", "query_buffer", at_least_2(hw.max_q_heads), vec_bits, 1, 1, 1},
      {"mant_mem", "query_buffer", hw.max_q_heads, num::kScaleMantBits, 1, 1, 1},
      {"shift_mem", "query_buffer", hw.max_q_heads, shift_bits, 1, 1, 1},
      // kv_fetch.sv: tags of the DRAM requests in flight {bank, pos, plane, last}.
      {"u_fetch.tag_mem", "kv_fetch", kTagDepth, 1 + pos_w + 2 + 1, 1, 1, 1},
      // softmax_unit.sv: score banks, exp slots (a cell per row of a group of up to PvLanes rows),
      // the EXP2 and RECIP tables (ROMs).
      {"u_sm.u_score_mem.mem", "softmax_unit", sm_words, 32, 1, 1, 1},
      {"u_sm.g_o_row[].u_exp_mem.mem", "softmax_unit", sm_words, num::kExpOutBits, 1, 1, pv},
      {"u_sm.exp2_rom", "softmax_unit", 1LL << num::kLogitFracBits, num::kExpOutBits, 1, 0, 1},
      {"u_sm.recip_rom", "softmax_unit", 1LL << num::kRecipLutBits, num::kRecipOutBits, 1, 0, 1},
      // topk_engine.sv: P score banks and 2P X/Y banks of MaxTokens / P rows each.
      {"u_topk.g_s_bank[].u_ram.mem", "topk_engine", n / p, num::kImportanceBits, 1, 1, p},
      {"u_topk.g_xy_bank[].u_ram.mem", "topk_engine", n / p, num::kImportanceBits, 1, 1, 2 * p},
  };
}

}  // namespace sinkattn
