// The on-chip memory inventory of the RTL, one entry per array, sized as the RTL sizes it. The
// area test checks every entry against the memories Yosys infers (configs/area/calibration/
// yosys_memories.csv): words, width and ports. When the RTL's memories change (issue #12: SRAM
// cells with registered reads, banked by lane), this list is the one place to follow it.
#include <algorithm>

#include "sinkattn/area.hpp"
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
  const long long sink_words = static_cast<long long>(hw.max_layers) * hw.max_kv_heads * hw.sink_sram_tokens;
  constexpr int kTagDepth = 64;  // kv_fetch's requests in flight, fixed by sinkattn_top
  // softmax_unit: two banks of MaxTokens scores and exps, addressed {bank, index}.
  const long long sm_words = 2LL << (n > 1 ? clog2(n) : 1);

  // name, block, words, width, read ports, write ports, banks. Read ports follow the RTL's
  // readers: each Q.K lane reads the key stores and the sink keys, each P.V lane the values and
  // sink values, each top-k lane the candidate list and the importance store, plus the
  // controller's own reads.
  return {
      // sinkattn_top.sv: sink SRAM, MaxLayers x MaxKvHeads x SinkSramTokens rows of D elements.
      {"sink_k_mem", "sink_sram", sink_words, vec_bits, qk, 1, 1},
      {"sink_v_mem", "sink_sram", sink_words, vec_bits, pv, 1, 1},
      // The double-buffered K/V store: two banks of MaxTokens rows (key MSB, key LSB, value).
      {"kmsb_mem", "kv_store", 2 * n, static_cast<int>(d) * num::kKeyMsbBits, qk, 1, 1},
      {"klsb_mem", "kv_store", 2 * n, static_cast<int>(d) * num::kKeyLsbBits, qk, 1, 1},
      {"val_mem", "kv_store", 2 * n, vec_bits, pv, 1, 1},
      // Read lists of the two store banks (the list scan writes, the fetch and P.V feed read).
      {"list_mem", "read_lists", 2 * n, tok_w, 2, 1, 1},
      // Token importance {layer scope, list, token}: each top-k lane reads, the update reads too.
      {"imp_mem", "importance", 1LL << (lay_w + kv_w + pos_w), num::kImportanceBits, p + 1, 1, 1},
      // Evicted-at-layer masks {list, token}: the list scan, the eviction update and the count.
      {"evict_mem", "alive_bitmap", 1LL << (kv_w + pos_w), hw.max_layers, 3, 1, 1},
      // Top-k candidates (tokens or heads): each top-k lane and the eviction read.
      {"cand_mem", "topk_candidates", n, tok_w, p + 1, 1, 1},
      // This (step, layer)'s queries and their score scales, one per query head.
      {"q_mem", "query_buffer", hw.max_q_heads, vec_bits, 1, 1, 1},
      {"mant_mem", "query_buffer", hw.max_q_heads, num::kScaleMantBits, 1, 1, 1},
      {"shift_mem", "query_buffer", hw.max_q_heads, shift_bits, 1, 1, 1},
      // kv_fetch.sv: tags of the DRAM requests in flight {bank, pos, plane, last}.
      {"u_fetch.tag_mem", "kv_fetch", kTagDepth, 1 + pos_w + 2 + 1, 1, 1, 1},
      // softmax_unit.sv: score and exp banks, the EXP2 and RECIP tables (ROMs).
      {"u_sm.u_score_mem.mem", "softmax_unit", sm_words, 32, 1, 1, 1},
      {"u_sm.u_exp_mem.mem", "softmax_unit", sm_words, num::kExpOutBits, 1, 1, 1},
      {"u_sm.exp2_rom", "softmax_unit", 1LL << num::kLogitFracBits, num::kExpOutBits, 1, 0, 1},
      {"u_sm.recip_rom", "softmax_unit", 1LL << num::kRecipLutBits, num::kRecipOutBits, 1, 0, 1},
      // topk_engine.sv: P score banks and 2P X/Y banks of MaxTokens / P rows each.
      {"u_topk.g_s_bank[].u_ram.mem", "topk_engine", n / p, num::kImportanceBits, 1, 1, p},
      {"u_topk.g_xy_bank[].u_ram.mem", "topk_engine", n / p, num::kImportanceBits, 1, 1, 2 * p},
  };
}

}  // namespace sinkattn
