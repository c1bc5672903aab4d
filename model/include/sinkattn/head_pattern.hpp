// DuoAttention head-pattern files: per-layer, per-KV-head gate values, thresholded into
// retrieval and streaming heads as DuoAttention's own code does (docs/policy.md, "duo").
#pragma once

#include <string>
#include <vector>

namespace sinkattn {

// A full_attention_heads.tsv as DuoAttention releases it (mit-han-lab/duo-attention,
// attn_patterns/MODEL/.../full_attention_heads.tsv): one line per layer, one tab-separated gate
// value per KV head, written by numpy.savetxt.
struct HeadPattern {
  std::string file;
  int layers = 0, kv_heads = 0;
  std::vector<double> gate;  // [layers, kv_heads], clipped to [0, 1] as load_attn_pattern does
};

// Reads and checks the file: every line the same number of values, every value a finite number.
// Throws InputError(file, "line N, column M" or "file", reason).
HeadPattern read_head_pattern(const std::string& file);

// sparsify_attention_heads(gates, sparsity=s): s >= 1 makes every head streaming, s <= 0 every
// head retrieval; otherwise the threshold is numpy.quantile(gates, s) (linear interpolation over
// all layers' and heads' values together) and a head is retrieval iff its gate >= threshold.
// DuoAttention first adds uniform noise in [0, 1e-6) to break ties; this is deterministic
// instead: heads tied at the threshold are all retrieval. Returns the map rows, 'R' or 'S' per KV
// head.
std::vector<std::string> threshold_head_pattern(const HeadPattern& p, double sparsity);

}  // namespace sinkattn
