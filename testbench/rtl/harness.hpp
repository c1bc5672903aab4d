// What every RTL unit harness shares: the seed (printed, rerun with SINKATTN_SEED=N), FST
// waveforms behind WAVES=1, clocking and reset of a Verilated block, and (sim/rtl/vl_bits.hpp) bit
// packing of its wide ports.
#pragma once

#include <gtest/gtest.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <type_traits>

#include "test_seed.hpp"
#include "vl_bits.hpp"
#if SINKATTN_RTL_COVERAGE
#include "vl_coverage.hpp"
#endif

namespace sinkattn::tb {

inline std::uint64_t test_seed(std::uint64_t fallback = 1) { return sinkattn::testing::test_seed(fallback); }

inline std::string test_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

// Wave file of the k-th simulation a test runs: <Suite.Test>.fst, then <Suite.Test>.2.fst, ...
inline std::string wave_file() {
  static std::string last;
  static int count = 0;
  const std::string name = test_name();
  count = name == last ? count + 1 : 1;
  last = name;
  return name + (count > 1 ? "." + std::to_string(count) : "") + ".fst";
}

// A Verilated block with clk_i and active-low rst_ni, held in reset for three cycles with its
// inputs idle (`idle` drives them), then released. WAVES=1 records every edge to an FST file.
template <typename Top>
class Dut {
 public:
  Dut(const char* name, const std::function<void(Top&)>& idle)
      : name_(name), ctx_(std::make_unique<VerilatedContext>()) {
    const char* waves = std::getenv("WAVES");
    const bool on = waves && std::string(waves) == "1";
    if (on) ctx_->traceEverOn(true);
    top_ = std::make_unique<Top>(ctx_.get(), name);
    if (on) {
      fst_ = std::make_unique<VerilatedFstC>();
      top_->trace(fst_.get(), 99);
      const std::string file = wave_file();
      fst_->open(file.c_str());
      std::cout << "[  WAVES   ] " << file << "\n";
    }
    idle(*top_);
    top_->clk_i = 0;
    top_->rst_ni = 0;
    top_->eval();
    for (int i = 0; i < 3; ++i) posedge();
    top_->rst_ni = 1;
    settle();
    cycle_ = 0;
  }
  ~Dut() {
    top_->final();
    if (fst_) fst_->close();
#if SINKATTN_RTL_COVERAGE
    vlcov::write(*ctx_, vlcov::next_file(name_));
#endif
  }
  Dut(const Dut&) = delete;
  Dut& operator=(const Dut&) = delete;

  Top* operator->() { return top_.get(); }
  // Inputs changed between edges: let the combinational logic settle.
  void settle() {
    top_->clk_i = 0;
    top_->eval();
  }
  void posedge() {
    if (fst_) fst_->dump(time_);
    top_->clk_i = 1;
    top_->eval();
    ++time_;
    if (fst_) fst_->dump(time_);
    top_->clk_i = 0;
    top_->eval();
    ++time_;
    ++cycle_;
  }
  std::uint64_t cycle() const { return cycle_; }
  // After the last expected output: with the inputs set by `quiet` (sources idle, sinks ready),
  // `valid` must stay low for `cycles` cycles. False at the first beat that still comes out.
  bool stays_silent(int cycles, const std::function<void(Top&)>& quiet, const std::function<bool(Top&)>& valid) {
    quiet(*top_);
    for (int i = 0; i < cycles; ++i) {
      settle();
      if (valid(*top_)) return false;
      posedge();
    }
    return true;
  }

 private:
  std::string name_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
  std::unique_ptr<VerilatedFstC> fst_;
  std::uint64_t cycle_ = 0, time_ = 0;
};

}  // namespace sinkattn::tb
