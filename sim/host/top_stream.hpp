// The command sequence that loads a configuration's plan and a trace into the accelerator top
// and runs every decode step (rtl/top_latency.md, "Host protocol"), in the encoding of
// configs/host_contract.yaml. Shared by every cycle-level model's host and the Icarus vector
// writer; no Verilator dependency.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/trace.hpp"
#include "dram_model.hpp"

namespace sinkattn::host {

// What the command encoding depends on: the sink SRAM's layout.
struct TopLayout {
  int max_kv_heads, sink_sram_tokens;
};

struct TopCommand {
  Opcode op;
  std::uint64_t addr;  // cmd_addr_i, host::kCmdAddrBits wide
  std::uint64_t data;
  const std::int16_t* vec;  // D elements of the trace, or nullptr (zeros)
};

// Whether a command belongs to the prefill (an importance load or a prefill eviction pass).
inline bool is_prefill_command(const TopCommand& c) {
  return c.op == kOpImportance || (c.op == kOpRun && kRunPrefill.get(c.data) != 0);
}

std::vector<TopCommand> top_commands(const Config& cfg, const Plan& plan, const IntTrace& tr, const TopLayout& layout);

// The DRAM image of the trace (docs/dram.md) for hardware built with `hw_head_dim`, made on
// demand: read() packs just the bytes asked for from the integer trace, so the models need not
// hold a second copy of the trace (issue #15's memory bound). The trace must outlive it.
class DramImage {
 public:
  DramImage(const IntTrace& tr, int hw_head_dim);
  std::uint64_t size() const { return size_; }
  // Bytes [addr, addr + len) of the image into dst; the range must lie inside the image.
  void read(std::uint64_t addr, std::size_t len, std::uint8_t* dst) const;

 private:
  const IntTrace& tr_;
  std::size_t stride_;  // bytes per plane (one of k, key MSBs, key LSBs, v of one token)
  std::uint64_t size_;
};

// A DRAM port whose image is the trace's, made on demand (the trace must outlive it).
std::unique_ptr<DramModel> dram_over_trace(const DramParams& p, const IntTrace& tr, int hw_head_dim);

// The whole image at once (the Icarus vector writer and the three-way co-simulation).
std::vector<std::uint8_t> dram_image(const IntTrace& tr, int hw_head_dim);

}  // namespace sinkattn::host
