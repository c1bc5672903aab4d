// The bookkeeping half of a model's host, the same for every model (the Verilated RTL in C++ or
// SystemC mode, the SystemC model): the DRAM port's parameters, the result's shape, taking rows
// off the row port, the check that every row left it, and reading the counters. The model's own
// port adapter keeps only what differs: how it steps a cycle and how it drives and samples ports.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dram_model.hpp"
#include "run_types.hpp"

namespace sinkattn::host {

// The DRAM port model of a configuration under run options; `extra_latency` only for the fault
// injection that proves the co-simulation's scoreboards can fail.
inline DramParams dram_params(const Config& cfg, const RunOptions& opt, int extra_latency = 0) {
  DramParams dp;
  dp.bytes_per_cycle = cfg.hw.dram.bytes_per_cycle;
  dp.latency_cycles = cfg.hw.dram.latency_cycles + extra_latency;
  dp.burst_bytes = cfg.hw.dram.burst_bytes;
  dp.max_outstanding = opt.max_outstanding;
  dp.req_stall = opt.req_stall;
  dp.resp_stall = opt.resp_stall;
  dp.stall_burst = opt.stall_burst;
  dp.seed = opt.seed;
  return dp;
}

class RunRecord {
 public:
  RunResult result;

  // Sizes the result for a trace of shape `s`; `model` names the model in errors.
  void start(std::string model, const Shape& s) {
    model_ = std::move(model);
    s_ = s;
    result.run.shape = s;
    result.run.out.assign(static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads * s.head_dim, 0);
    result.run.row_active.assign(static_cast<std::size_t>(s.steps()) * s.layers * s.q_heads, 0);
    result.run.token_reads_per_layer.assign(s.layers, 0);
    seen_.assign(result.run.row_active.size(), 0);
  }

  // The row the row port names, with its head_dim elements: stored. Throws std::runtime_error
  // for a row outside the trace or one emitted twice.
  void take_row(int token, int layer, int head, bool active, const std::int16_t* data) {
    const int step = token - s_.prompt;
    if (step < 0 || step >= s_.steps() || layer < 0 || layer >= s_.layers || head < 0 || head >= s_.q_heads)
      throw std::runtime_error(model_ + ": row port names step " + std::to_string(token) + ", layer " +
                               std::to_string(layer) + ", head " + std::to_string(head) + " outside the trace");
    const std::size_t r = result.run.row_index(step, layer, head);
    if (seen_[r])
      throw std::runtime_error(model_ + ": row (step " + std::to_string(token) + ", layer " + std::to_string(layer) +
                               ", head " + std::to_string(head) + ") emitted twice");
    seen_[r] = 1;
    result.run.row_active[r] = active;
    for (int d = 0; d < s_.head_dim; ++d) result.run.out[r * s_.head_dim + d] = data[d];
  }

  // Throws std::runtime_error naming the first row that never left the row port.
  void check_every_row() const {
    for (std::size_t i = 0; i < seen_.size(); ++i)
      if (!seen_[i]) throw std::runtime_error(model_ + ": row " + std::to_string(i) + " never left the row port");
  }

  // Every hardware counter through `read(index)`, in table order (kCounters); then the golden
  // model's counters and the busy cycles from them.
  void read_counters(const std::function<std::uint64_t(int)>& read) {
    for (const CounterInfo& c : kCounters) result.counters.emplace_back(c.name, read(c.index));
    fill_counters(result.counters, result.run.counters);
    result.cycles = result.counters[kCtrCycles].second;
  }

  // The run's totals: every simulated cycle and the back-pressure the DRAM model applied.
  void finish(std::uint64_t total_cycles, const DramModel& dram) {
    result.total_cycles = total_cycles;
    result.dram_req_stall = dram.req_stall_cycles();
    result.dram_resp_stall = dram.resp_stall_cycles();
  }

 private:
  std::string model_;
  Shape s_;
  std::vector<std::uint8_t> seen_;
};

}  // namespace sinkattn::host
