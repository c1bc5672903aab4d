// The integer policy engine. One decode step runs the layers in order; within a layer:
//   1. head pruning picks the query heads that run (before compute);
//   2. every active query head attends its KV head's kept tokens (in parallel);
//   3. importance is accumulated and over-budget alive lists are cut by the top-k engine.
// docs/policy.md states these rules; the RTL and SystemC controllers follow the same order.
#include "sinkattn/golden.hpp"

#include <algorithm>
#include <cstdlib>

#include <omp.h>

#include "engine_steps.hpp"
#include "kernels.hpp"
#include "sinkattn/numerics.hpp"

namespace sinkattn {

TokenBytes token_bytes(int d) {
  auto bytes = [d](int bits) { return (static_cast<std::uint64_t>(d) * bits + 7) / 8; };
  return {bytes(num::kDataBits), bytes(num::kKeyMsbBits), bytes(num::kKeyLsbBits), bytes(num::kDataBits)};
}

PrefillCost prefill_cost(const Shape& s) {
  const TokenBytes tb = token_bytes(s.head_dim);
  PrefillCost c;
  c.tokens = static_cast<std::uint64_t>(s.prompt);
  const std::uint64_t pairs = c.tokens * (c.tokens + 1) / 2;  // causal (query, key) pairs
  c.macs = 2ULL * s.layers * s.q_heads * s.head_dim * pairs;
  c.dram_bytes = static_cast<std::uint64_t>(s.layers) * s.kv_heads * c.tokens * (tb.key_full + tb.value);
  return c;
}

bool prefill_applies(const Config& cfg, const IntTrace& tr) {
  return cfg.policy.prefill_importance && tr.has_prompt_queries();
}

PrefillImportance prefill_importance(const Config& cfg, const IntTrace& tr) {
  const Shape& s = tr.shape;
  const PolicyConfig& p = cfg.policy;
  PrefillImportance r;
  r.scopes = p.cascade ? 1 : s.layers;
  r.lists = p.granularity == Granularity::kToken ? 1 : s.kv_heads;
  r.tokens = s.tokens;
  r.score.assign(static_cast<std::size_t>(r.scopes) * r.lists * r.tokens, 0);
  if (!tr.has_prompt_queries()) return r;
  const int P = s.prompt, d = s.head_dim, first = std::min(p.sinks, P);
  // One sum per (layer, query head) and prompt token, in parallel; merged serially below.
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(s.layers) * s.q_heads * P, 0);
#pragma omp parallel for schedule(dynamic)
  for (int lh = 0; lh < s.layers * s.q_heads; ++lh) {
    const int l = lh / s.q_heads, h = lh % s.q_heads, g = h / s.group();
    const ScoreScale scale = tr.score_scale[static_cast<std::size_t>(l) * s.q_heads + h];
    std::vector<const std::int16_t*> k_rows(P);
    for (int j = 0; j < P; ++j) k_rows[j] = tr.k_row(l, g, j);
    std::vector<std::int32_t> scores(P);
    std::vector<std::uint32_t> probs(P);
    std::uint64_t* sum = &sums[static_cast<std::size_t>(lh) * P];
    for (int i = 0; i < P; ++i) {
      const int n = i + 1;  // causal: row i attends tokens 0..i
      kernels::qk_scores(tr.q_prompt_row(l, h, i), k_rows.data(), n, d, false, scores.data());
      num::softmax_row(scores.data(), n, scale.mant, scale.shift, probs.data());
      for (int j = first; j < n; ++j) sum[j] += probs[j];
    }
  }
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < s.q_heads; ++h) {
      const int scope = p.cascade ? 0 : l, list = r.lists == 1 ? 0 : h / s.group();
      std::uint64_t* dst = &r.score[(static_cast<std::size_t>(scope) * r.lists + list) * r.tokens];
      const std::uint64_t* src = &sums[(static_cast<std::size_t>(l) * s.q_heads + h) * P];
      for (int j = first; j < P; ++j) dst[j] += src[j];
    }
  return r;
}

namespace detail {

// What one query-head row produced, merged serially after the parallel phase.
struct RowResult {
  bool active = false;
  bool refetched = false;
  std::uint64_t head_abs = 0;          // sum |out| for head importance
  std::vector<std::uint32_t> probs;    // one per kept token of its KV head
};

class Engine {
 public:
  Engine(const Config& cfg, const Plan& plan, const IntTrace& tr, const GoldenOptions& opt)
      : cfg_(cfg), plan_(plan), tr_(tr), s_(tr.shape), opt_(opt), lfsr_(static_cast<std::uint16_t>(cfg.hw.topk_lfsr_seed)),
        tb_(token_bytes(s_.head_dim)) {
    const PolicyConfig& p = cfg.policy;
    token_lists_ = p.granularity == Granularity::kToken;
    const int scopes = p.cascade ? 1 : s_.layers;
    const int lists_per_layer = token_lists_ ? 1 : s_.kv_heads;
    importance_.assign(static_cast<std::size_t>(scopes) * lists_per_layer * s_.tokens, 0);
    alive_.assign(static_cast<std::size_t>(s_.layers) * lists_per_layer, {});
    head_importance_.assign(s_.q_heads, 0);
    head_alive_.assign(static_cast<std::size_t>(s_.layers) * s_.q_heads, 1);
    kept_.assign(s_.kv_heads, {});
    rows_.assign(s_.q_heads, {});

    res_.shape = s_;
    res_.out.assign(static_cast<std::size_t>(s_.steps()) * s_.layers * s_.q_heads * s_.head_dim, 0);
    res_.row_active.assign(static_cast<std::size_t>(s_.steps()) * s_.layers * s_.q_heads, 0);
    if (opt.record_keep) res_.keep.assign(static_cast<std::size_t>(s_.steps()) * s_.layers * s_.kv_heads * s_.tokens, 0);
    res_.token_reads_per_layer.assign(s_.layers, 0);
    for (int t = s_.prompt; t < s_.tokens; ++t)
      res_.dense_dram_bytes += static_cast<std::uint64_t>(s_.layers) * s_.kv_heads * (t + 1) * (tb_.key_full + tb_.value);
    if (prefill_applies(cfg, tr)) {
      // The host's prefill hands the engine its initial scores (same layout as importance_),
      // one load per (scope, list, non-sink prompt token).
      importance_ = prefill_importance(cfg, tr).score;
      res_.prefill_importance = true;
      res_.counters.importance_loads = static_cast<std::uint64_t>(scopes) * lists_per_layer *
                                       std::max(0, s_.prompt - cfg.policy.sinks);
    }
  }

  GoldenResult run() {
    prefill_pass();
    for (int t = s_.prompt; t < s_.tokens; ++t) {
      begin_step(t);
      for (int l = 0; l < s_.layers; ++l) run_layer(t, l);
      end_step(t);
    }
    return std::move(res_);
  }

  // The pieces of run(), for the streaming engine (StreamEngine), which calls them in the same
  // order as the inputs of each layer arrive: prefill_pass() once, then per step begin_step(t),
  // run_layer(t, 0 .. L-1), end_step(t).
  // Tokens that left the window join every alive list; they were never ranked before.
  // The prefill eviction pass, before step P, when the run's scores start from the host's
  // prefill: the engine's eviction phase of every layer at step P - 1, over the tokens that had
  // left the window by then.
  void prefill_pass() {
    if (!res_.prefill_importance) return;
    const int mid_end = std::max(cfg_.policy.sinks, s_.prompt - cfg_.policy.window);
    for (; next_middle_ < mid_end; ++next_middle_)
      for (auto& list : alive_) list.push_back(next_middle_);
    for (int l = 0; l < s_.layers; ++l) evict(l);
    Counters& pre = res_.prefill;
    pre.importance_loads = res_.counters.importance_loads;
    pre.evictions = res_.counters.evictions;
    pre.topk = res_.counters.topk;
  }
  void begin_step(int t) {
    mid_end_ = std::max(cfg_.policy.sinks, t - cfg_.policy.window + 1);
    for (; next_middle_ < mid_end_; ++next_middle_)
      for (auto& list : alive_) list.push_back(next_middle_);
  }
  void run_layer(int t, int l) {
    if (cfg_.policy.head_pruning && t - s_.prompt >= cfg_.policy.head_warmup_steps) prune_heads(l);
    build_kept_lists(t, l, mid_end_);
    compute_layer(t, l);
    merge_layer(t, l, mid_end_);
    evict(l);
  }
  void end_step(int t) {
    if (opt_.progress) opt_.progress(t - s_.prompt + 1, s_.steps());
  }
  const GoldenResult& result() const { return res_; }

 private:
  std::size_t list_index(int l, int g) const { return token_lists_ ? l : static_cast<std::size_t>(l) * s_.kv_heads + g; }
  std::uint64_t* importance(int l, int g) {
    const int scope = cfg_.policy.cascade ? 0 : l;
    const std::size_t lists = token_lists_ ? 1 : s_.kv_heads;
    return &importance_[(scope * lists + (token_lists_ ? 0 : g)) * s_.tokens];
  }
  bool head_active(int l, int h) const { return head_alive_[static_cast<std::size_t>(l) * s_.q_heads + h]; }

  // Cascade head pruning: keep the plan's count of heads with the highest accumulated sum |out|.
  void prune_heads(int l) {
    std::vector<int> alive;
    for (int h = 0; h < s_.q_heads; ++h)
      if (head_active(l, h)) alive.push_back(h);
    if (static_cast<int>(alive.size()) <= plan_.heads_keep[l]) return;
    std::vector<std::uint64_t> scores;
    for (int h : alive) scores.push_back(head_importance_[h]);
    select(scores, plan_.heads_keep[l]);
    for (std::size_t i = 0; i < alive.size(); ++i)
      if (!keep_flags_[i])
        for (int ll = l; ll < s_.layers; ++ll) head_alive_[static_cast<std::size_t>(ll) * s_.q_heads + alive[i]] = 0;
  }

  // The tokens each KV head reads at (t, l), ascending: sinks, middle by head policy, window.
  void build_kept_lists(int t, int l, int mid_end) {
    const int sinks_end = std::min(cfg_.policy.sinks, t + 1);
    for (int g = 0; g < s_.kv_heads; ++g) {
      std::vector<int>& kept = kept_[g];
      kept.clear();
      bool any_head = false;
      for (int h = g * s_.group(); h < (g + 1) * s_.group(); ++h) any_head |= head_active(l, h);
      if (!any_head) continue;  // the whole group is pruned: nothing is read
      for (int j = 0; j < sinks_end; ++j) kept.push_back(j);
      switch (plan_.policy(l, g)) {
        case HeadPolicy::kRetrieval:
          // Up to t: while t + 1 < sinks, mid_end (= sinks) lies beyond the current token.
          for (int j = sinks_end; j < std::min(mid_end, t + 1); ++j) kept.push_back(j);
          break;
        case HeadPolicy::kTopk: {
          const auto& alive = alive_[list_index(l, g)];
          kept.insert(kept.end(), alive.begin(), alive.end());
          break;
        }
        case HeadPolicy::kStreaming: break;
      }
      for (int j = std::max(sinks_end, mid_end); j <= t; ++j) kept.push_back(j);
    }
  }

  // Rows run in parallel only when the layer holds enough work to pay for waking the threads:
  // a sparse policy's layer is a few hundred thousand MACs, and a fork-join per layer of that
  // size costs more than it saves (much more when the cores are shared).
  void compute_layer(int t, int l) {
    if (opt_.datapath) return run_jobs(t, l);
    const int s = t - s_.prompt;
    std::uint64_t work = 0;
    for (int g = 0; g < s_.kv_heads; ++g) work += kept_[g].size();
    work *= static_cast<std::uint64_t>(s_.group()) * s_.head_dim * 2;
    const bool parallel = work >= kParallelMinMacs;
    int threads = 1;
#pragma omp parallel for schedule(dynamic) if (parallel) reduction(max : threads)
    for (int h = 0; h < s_.q_heads; ++h) {
      compute_row(s, t, l, h);
      threads = std::max(threads, omp_get_num_threads());
    }
    res_.parallel_layers += parallel;
    res_.max_threads = std::max(res_.max_threads, threads);
  }
  static constexpr std::uint64_t kParallelMinMacs = 1u << 20;

  // The same layer through another datapath, one job per KV head with an active query head. It
  // updates the importances itself; merge_layer only counts.
  void run_jobs(int t, int l) {
    const int s = t - s_.prompt, group = s_.group();
    job_active_.assign(group, 0);
    job_refetched_.assign(group, 0);
    for (int g = 0; g < s_.kv_heads; ++g) {
      const int h0 = g * group;
      for (int i = 0; i < group; ++i) {
        RowResult& r = rows_[h0 + i];
        r.active = head_active(l, h0 + i);
        r.refetched = false;
        job_active_[i] = r.active;
      }
      const std::vector<int>& kept = kept_[g];
      if (kept.empty()) continue;  // no active head in the group: no job
      Job job;
      job.token = t;
      job.layer = l;
      job.group = g;
      job.list = &kept;
      while (job.sinks < static_cast<int>(kept.size()) && kept[job.sinks] < cfg_.policy.sinks) ++job.sinks;
      job.first_head = h0;
      job.heads = group;
      job.active = job_active_.data();
      job.msb_first = cfg_.policy.progressive_quant;
      job.tau_fx = plan_.tau_fx;
      job.token_importance = importance(l, g);
      job.head_importance = &head_importance_[h0];
      job.out = &res_.out[res_.row_index(s, l, h0) * s_.head_dim];
      job.refetched = job_refetched_.data();
      std::fill(job_refetched_.begin(), job_refetched_.end(), 0);
      opt_.datapath->run_job(job);
      for (int i = 0; i < group; ++i) rows_[h0 + i].refetched = rows_[h0 + i].active && job_refetched_[i];
    }
  }

  void compute_row(int s, int t, int l, int h) {
    RowResult& r = rows_[h];
    r.active = head_active(l, h);
    r.refetched = false;
    r.head_abs = 0;
    if (!r.active) return;
    const int d = s_.head_dim, g = h / s_.group();
    const std::vector<int>& kept = kept_[g];
    const int n = static_cast<int>(kept.size());
    const std::int16_t* q = tr_.q_row(l, h, t);
    const ScoreScale scale = tr_.score_scale[static_cast<std::size_t>(l) * s_.q_heads + h];
    thread_local std::vector<std::int32_t> scores;
    thread_local std::vector<const std::int16_t*> k_rows, v_rows;
    scores.resize(n);
    r.probs.resize(n);
    k_rows.resize(n);
    v_rows.resize(n);
    for (int i = 0; i < n; ++i) k_rows[i] = tr_.k_row(l, g, kept[i]), v_rows[i] = tr_.v_row(l, g, kept[i]);

    const bool pq = cfg_.policy.progressive_quant;
    kernels::qk_scores(q, k_rows.data(), n, d, pq, scores.data());
    const std::uint32_t pmax = num::softmax_row(scores.data(), n, scale.mant, scale.shift, r.probs.data());
    if (pq && pmax < plan_.tau_fx) {
      r.refetched = true;  // the row was too flat for MSB-only keys: recompute with full keys
      kernels::qk_scores(q, k_rows.data(), n, d, false, scores.data());
      num::softmax_row(scores.data(), n, scale.mant, scale.shift, r.probs.data());
    }

    thread_local std::vector<std::int64_t> acc;
    acc.assign(d, 0);
    kernels::pv_accumulate(r.probs.data(), v_rows.data(), n, d, acc.data());
    std::int16_t* out = &res_.out[res_.row_index(s, l, h) * d];
    for (int e = 0; e < d; ++e) {
      out[e] = static_cast<std::int16_t>(num::output_round(acc[e]));
      r.head_abs += static_cast<std::uint64_t>(std::abs(static_cast<int>(out[e])));
    }
  }

  // Serial, in head order, so that every count and score is independent of thread timing.
  void merge_layer(int t, int l, int mid_end) {
    const int s = t - s_.prompt;
    Counters& c = res_.counters;
    const bool pq = cfg_.policy.progressive_quant;
    const std::uint64_t key_bytes = pq ? tb_.key_msb : tb_.key_full;
    for (int g = 0; g < s_.kv_heads; ++g) {
      const std::vector<int>& kept = kept_[g];
      const std::uint64_t n = kept.size();
      std::uint64_t sinks = 0, window = 0;
      for (int j : kept) {
        sinks += j < cfg_.policy.sinks;
        window += j >= mid_end;
      }
      const std::uint64_t middle = n - sinks - window;
      c.token_reads += n;
      c.sram_sink_hits += sinks;
      c.dram_window += window * (key_bytes + tb_.value);
      c.dram_middle += middle * (key_bytes + tb_.value);
      res_.token_reads_per_layer[l] += n;
      if (opt_.record_keep) {
        std::uint8_t* row = &res_.keep[((static_cast<std::size_t>(s) * s_.layers + l) * s_.kv_heads + g) * s_.tokens];
        for (int j : kept) row[j] = 1;
      }
      bool group_refetch = false;
      std::uint64_t* imp = importance(l, g);
      for (int h = g * s_.group(); h < (g + 1) * s_.group(); ++h) {
        const RowResult& r = rows_[h];
        res_.row_active[res_.row_index(s, l, h)] = r.active;
        if (!r.active) {
          ++c.pruned_rows;
          continue;
        }
        ++c.rows;
        c.row_tokens += n;
        c.importance_updates += n - sinks;
        c.macs += n * s_.head_dim * (r.refetched ? 3 : 2);
        c.lsb_refetches += r.refetched;
        group_refetch |= r.refetched;
        if (opt_.datapath) continue;  // the datapath updated both importances
        head_importance_[h] += r.head_abs;
        for (std::size_t i = sinks; i < n; ++i) imp[kept[i]] += r.probs[i];  // sinks are never ranked
      }
      // One LSB fetch serves every row of the group that needs it (the K tile is shared).
      if (group_refetch) c.dram_lsb += (n - sinks) * tb_.key_lsb;
    }
  }

  // Cut every topk alive list of layer l down to its budget; with cascade, the evicted tokens
  // leave the deeper layers' lists too, so alive sets stay nested.
  void evict(int l) {
    const int lists = token_lists_ ? 1 : s_.kv_heads;
    for (int g = 0; g < lists; ++g) {
      if (!uses_alive_list(l, g)) continue;
      std::vector<int>& alive = alive_[list_index(l, g)];
      if (static_cast<int>(alive.size()) <= plan_.budget[l]) continue;
      const std::uint64_t* imp = importance(l, g);
      std::vector<std::uint64_t> scores;
      scores.reserve(alive.size());
      for (int j : alive) scores.push_back(imp[j]);
      select(scores, plan_.budget[l]);
      std::vector<int> evicted, kept;
      for (std::size_t i = 0; i < alive.size(); ++i) (keep_flags_[i] ? kept : evicted).push_back(alive[i]);
      res_.counters.evictions += evicted.size();
      alive.swap(kept);
      if (!cfg_.policy.cascade) continue;
      for (int ll = l + 1; ll < s_.layers; ++ll) {
        std::vector<int>& deeper = alive_[list_index(ll, g)];
        std::vector<int> rest;
        std::set_difference(deeper.begin(), deeper.end(), evicted.begin(), evicted.end(), std::back_inserter(rest));
        deeper.swap(rest);
      }
    }
  }

  // A token list is ranked only where some KV head of the layer attends heavy hitters.
  bool uses_alive_list(int l, int g) const {
    if (!token_lists_) return plan_.policy(l, g) == HeadPolicy::kTopk;
    for (int gg = 0; gg < s_.kv_heads; ++gg)
      if (plan_.policy(l, gg) == HeadPolicy::kTopk) return true;
    return false;
  }

  void select(const std::vector<std::uint64_t>& scores, int k) {
    const TopkStats st = opt_.datapath ? opt_.datapath->select(scores, k, lfsr_, keep_flags_)
                                       : topk_select(scores, k, lfsr_, keep_flags_);
    res_.counters.topk.passes += st.passes;
    res_.counters.topk.elements += st.elements;
  }

  const Config& cfg_;
  const Plan& plan_;
  const IntTrace& tr_;
  const Shape s_;
  const GoldenOptions opt_;
  Lfsr16 lfsr_;
  const TokenBytes tb_;
  bool token_lists_ = true;
  int next_middle_ = cfg_.policy.sinks;  // first token not yet in the alive lists
  int mid_end_ = 0;                      // this step's end of the middle (start of the window)
  std::vector<std::uint64_t> importance_;     // [scope, list, T]
  std::vector<std::vector<int>> alive_;       // alive middle tokens, ascending, [L, list]
  std::vector<std::uint64_t> head_importance_;  // [Hq], accumulated over layers and steps
  std::vector<std::uint8_t> head_alive_;      // [L, Hq]
  std::vector<std::vector<int>> kept_;        // this layer's read list per KV head
  std::vector<RowResult> rows_;               // this layer's rows per query head
  std::vector<std::uint8_t> keep_flags_;
  std::vector<std::uint8_t> job_active_, job_refetched_;  // run_jobs: one job's row flags
  GoldenResult res_;
};

StepEngine::StepEngine(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt)
    : engine_(std::make_unique<Engine>(cfg, plan, trace, opt)) {}
StepEngine::~StepEngine() = default;
void StepEngine::prefill_pass() { engine_->prefill_pass(); }
void StepEngine::begin_step(int t) { engine_->begin_step(t); }
void StepEngine::run_layer(int t, int l) { engine_->run_layer(t, l); }
void StepEngine::end_step(int t) { engine_->end_step(t); }
const GoldenResult& StepEngine::result() const { return engine_->result(); }

}  // namespace detail

GoldenResult run_golden(const Config& cfg, const Plan& plan, const IntTrace& trace, const GoldenOptions& opt) {
  return detail::Engine(cfg, plan, trace, opt).run();
}

}  // namespace sinkattn
