// The command sequence that loads a configuration's plan and a trace into the accelerator top
// and runs every decode step (rtl/top_latency.md, "Host protocol"), in the encoding of
// configs/host_contract.yaml. Shared by every cycle-level model's host and the Icarus vector
// writer; no Verilator dependency.
#pragma once

#include <cstdint>
#include <vector>

#include "sinkattn/config.hpp"
#include "sinkattn/host_contract_gen.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::host {

// What the command encoding depends on: the sink SRAM's layout.
struct TopLayout {
  int max_kv_heads, sink_sram_tokens;
};

struct TopCommand {
  Opcode op;
  std::uint32_t addr;
  std::uint64_t data;
  const std::int16_t* vec;  // D elements of the trace, or nullptr (zeros)
};

std::vector<TopCommand> top_commands(const Config& cfg, const Plan& plan, const IntTrace& tr, const TopLayout& layout);

// The DRAM image of the trace (docs/dram.md) for hardware built with `hw_head_dim`.
std::vector<std::uint8_t> dram_image(const IntTrace& tr, int hw_head_dim);

}  // namespace sinkattn::host
