// Writes the Icarus vectors of the accelerator top for a tiny hardware instance (the one this
// binary's Verilated top was built with): the command stream, the DRAM image and the expected
// rows from the golden model, plus the cycle counts the Verilated top takes on the same
// stimulus with the same deterministic DRAM (no back-pressure). top_iverilog_tb.sv replays them
// and must produce the same rows and the same cycle counts.
//
//   top_vectors DIR     writes DIR/{cmds,dram,expect}.hex and DIR/expect.txt
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "rtl_run.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/numerics.hpp"
#include "sinkattn/synth.hpp"

using namespace sinkattn;

namespace {

// A wide value as hex, built from fields LSB first.
class Hex {
 public:
  void put(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) bits_.push_back((v >> i) & 1);
  }
  std::string str() const {
    std::string s;
    const int n = (static_cast<int>(bits_.size()) + 3) / 4;
    for (int d = n - 1; d >= 0; --d) {
      int v = 0;
      for (int b = 3; b >= 0; --b) {
        const std::size_t i = static_cast<std::size_t>(d * 4 + b);
        v = v * 2 + (i < bits_.size() ? bits_[i] : 0);
      }
      s += "0123456789abcdef"[v];
    }
    return s;
  }

 private:
  std::vector<int> bits_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: top_vectors DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  // The configuration the tiny top was Verilated from (and top_iverilog_tb.sv includes).
  const Config cfg = load_config("sinkattn_hw_tiny");
  rtl::check_hw(cfg);
  const HwConfig& hw = cfg.hw;
  SynthParams sp;
  sp.shape = {2, 4, 2, hw.head_dim, 40, 28};
  sp.heavy = 6;
  sp.recency = 0;
  sp.seed = 5;
  const IntTrace tr = quantize_trace(make_synthetic_trace(sp));
  const Plan plan = make_plan(cfg, tr.shape, "tiny");
  const GoldenResult gold = run_golden(cfg, plan, tr);

  host::RunOptions opt;
  opt.max_outstanding = 16;  // the Icarus DRAM model's queue
  const host::RunResult rtl = rtl::run_rtl(cfg, plan, tr, opt);
  const std::string diff = host::compare(gold, rtl.run);
  if (!diff.empty()) {
    std::cerr << "top_vectors: the Verilated tiny top differs from golden: " << diff << "\n";
    return 1;
  }

  const auto cmds = host::top_commands(cfg, plan, tr, {hw.max_kv_heads, hw.sink_sram_tokens});
  std::ofstream fc(dir + "/cmds.hex");
  for (const auto& c : cmds) {
    Hex h;
    h.put(static_cast<std::uint64_t>(c.op), host::kOpcodeBits);
    h.put(c.addr, host::kCmdAddrBits);
    h.put(c.data, 64);
    for (int d = 0; d < hw.head_dim; ++d)
      h.put(c.vec && d < tr.shape.head_dim ? static_cast<std::uint16_t>(c.vec[d]) : 0, num::kDataBits);
    fc << h.str() << "\n";
  }
  std::ofstream fd(dir + "/dram.hex");
  const auto img = host::dram_image(tr, hw.head_dim);
  for (const std::uint8_t b : img) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", b);
    fd << buf << "\n";
  }
  std::ofstream fe(dir + "/expect.hex");
  const Shape& s = tr.shape;
  int rows = 0;
  for (int st = 0; st < s.steps(); ++st)
    for (int l = 0; l < s.layers; ++l)
      for (int h = 0; h < s.q_heads; ++h, ++rows) {
        const std::size_t r = gold.row_index(st, l, h);
        Hex x;
        x.put(static_cast<std::uint64_t>(st + s.prompt), host::kTokenBits);
        x.put(static_cast<std::uint64_t>(l), host::kLayerBits);
        x.put(static_cast<std::uint64_t>(h), host::kHeadBits);
        x.put(gold.row_active[r], 1);
        for (int d = 0; d < hw.head_dim; ++d)
          x.put(d < s.head_dim ? static_cast<std::uint16_t>(gold.out[r * s.head_dim + d]) : 0, num::kOutBits);
        fe << x.str() << "\n";
      }
  std::ofstream ft(dir + "/expect.txt");
  ft << cmds.size() << " " << rows << " " << img.size() << " " << rtl.total_cycles << " " << rtl.cycles << "\n";
  std::cout << "top_vectors: " << cmds.size() << " commands, " << rows << " rows, " << img.size()
            << " DRAM bytes; Verilator: " << rtl.total_cycles << " cycles (" << rtl.cycles
            << " busy), bit-exact with golden; verilator_seconds " << rtl.wall_seconds << "\n";
  return 0;
}
