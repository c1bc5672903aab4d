// The bit-exact integer golden model of the policy engine (docs/policy.md, "One layer of one step").
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/topk.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn {

// Bytes one token's K or V occupies in DRAM: data_bits-bit values packed densely, keys split
// into an MSB plane and an LSB plane when progressive quantization is on.
struct TokenBytes {
  std::uint64_t key_full, key_msb, key_lsb, value;
};
TokenBytes token_bytes(int head_dim);

// Action counts of one run. The RTL and SystemC models report the same names.
struct Counters {
  std::uint64_t rows = 0;            // (step, layer, query head) rows computed
  std::uint64_t pruned_rows = 0;     // rows skipped by head pruning
  std::uint64_t lsb_refetches = 0;   // rows recomputed with full keys (max prob < tau)
  std::uint64_t sram_sink_hits = 0;  // token K/V reads served by the sink SRAM
  std::uint64_t token_reads = 0;     // token K/V reads of all jobs (sink SRAM + DRAM)
  std::uint64_t row_tokens = 0;      // (row, token) pairs attended by the active rows
  std::uint64_t importance_updates = 0;  // token-score accumulations (row, non-sink token)
  std::uint64_t importance_loads = 0;    // initial token scores loaded from the host's prefill
  std::uint64_t macs = 0;            // q.k and p.v multiply-accumulates, recomputes included
  std::uint64_t evictions = 0;       // middle tokens evicted (per alive list)
  std::uint64_t dram_window = 0;     // DRAM bytes by region: the recent window
  std::uint64_t dram_middle = 0;     //   heavy hitters, or the whole middle for retrieval heads
  std::uint64_t dram_lsb = 0;        //   key LSB refetches
  TopkStats topk;                    // top-k engine work (token eviction and head pruning)
  std::uint64_t dram_bytes() const { return dram_window + dram_middle + dram_lsb; }
};

// One job of the accelerator's datapath: decode step (token) t, layer l, KV head g, i.e. the
// active query heads of g's group over g's read list. The golden model computes jobs itself;
// another implementation of the datapath (the HLS kernel's C-simulation, hls/) plugs in here
// and the golden model's control (alive lists, read lists, head pruning, eviction order,
// counters) drives it.
struct Job {
  int token = 0, layer = 0, group = 0;
  const std::vector<int>* list = nullptr;  // read list, ascending token indices
  int sinks = 0;                   // leading entries of `list` that are sink tokens (never ranked)
  int first_head = 0, heads = 0;   // query heads first_head .. first_head + heads - 1
  const std::uint8_t* active = nullptr;  // [heads]: 0 where head pruning removed the row
  bool msb_first = false;          // progressive quantization: MSB pass, refetch below tau_fx
  std::uint32_t tau_fx = 0;
  std::uint64_t* token_importance = nullptr;  // indexed by token: += p of every non-sink entry
  std::uint64_t* head_importance = nullptr;   // indexed by head - first_head: += sum |out|
  std::int16_t* out = nullptr;     // [heads][head_dim] output rows (inactive rows left alone)
  std::uint8_t* refetched = nullptr;  // [heads]: 1 where the row was recomputed with full keys
};

class JobDatapath {
 public:
  virtual ~JobDatapath() = default;
  // Computes the job's active rows, writes them, updates both importances and the refetch flags.
  virtual void run_job(const Job& job) = 0;
  // The top-k engine (token eviction and head pruning): topk_select's contract.
  virtual TopkStats select(const std::vector<std::uint64_t>& scores, int k, Lfsr16& lfsr,
                           std::vector<std::uint8_t>& keep) = 0;
};

struct GoldenOptions {
  bool record_keep = false;  // fill GoldenResult::keep (steps * L * Hkv * T bytes)
  std::function<void(int done, int total)> progress;  // called after each decode step
  JobDatapath* datapath = nullptr;  // null: the golden model's own datapath
};

struct GoldenResult {
  Shape shape;
  std::vector<std::int16_t> out;          // [steps, L, Hq, D]
  std::vector<std::uint8_t> row_active;   // [steps, L, Hq]: 0 where head pruning skipped it
  std::vector<std::uint8_t> keep;         // [steps, L, Hkv, T] when recorded
  std::vector<std::uint64_t> token_reads_per_layer;  // [L], summed over steps and KV heads
  Counters counters;                      // the whole run: prefill pass and decode
  // The engine's share of prefill (docs/policy.md, "Prefill importance"), included in
  // `counters`: the importance loads and the prefill eviction pass (evictions, top-k work).
  bool prefill_importance = false;        // the run's scores started from the host's prefill
  Counters prefill;
  std::uint64_t dense_dram_bytes = 0;     // what dense attention reads on this trace and hardware
  // How the run executed, not what it computed (the outputs never depend on it): the (step,
  // layer) computations whose rows ran in an OpenMP parallel region, and the largest thread
  // team that ran one (1 when every layer ran serially).
  std::uint64_t parallel_layers = 0;
  int max_threads = 1;

  std::size_t row_index(int s, int l, int h) const {
    return (static_cast<std::size_t>(s) * shape.layers + l) * shape.q_heads + h;
  }
};

// Runs every decode step of the trace through the policy engine. Computes only the tokens it
// keeps; parallel over the query heads of a layer; deterministic whatever the thread count.
GoldenResult run_golden(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt = {});

// Dense prefill of the prompt, reported apart from decode (it is not run on the engine).
struct PrefillCost {
  std::uint64_t tokens = 0, macs = 0, dram_bytes = 0;
};
PrefillCost prefill_cost(const Shape& shape);

// Whether a run seeds its token importance from the prompt (docs/policy.md, "Prefill
// importance"): policy.prefill_importance and a trace that holds the prompt's queries.
bool prefill_applies(const Config& cfg, const IntTrace& trace);

// The host's dense prefill: every prompt row i of every (layer, query head) over tokens 0..i,
// with the integer numerics of the engine's rows (full keys: docs/numerics.md), each non-sink
// probability added to the score that ranks its token, laid out as the engine keeps scores:
// [scope, list, T], scope one with cascade (else L), list one with token granularity (else
// Hkv). Entries of sinks and of tokens >= P are 0. Deterministic whatever the thread count.
struct PrefillImportance {
  int scopes = 0, lists = 0, tokens = 0;
  std::vector<std::uint64_t> score;
  std::uint64_t at(int scope, int list, int token) const {
    return score[(static_cast<std::size_t>(scope) * lists + list) * tokens + token];
  }
};
PrefillImportance prefill_importance(const Config& cfg, const IntTrace& trace);

}  // namespace sinkattn
