// The three-way co-simulation behind `sinkattn cosim`: the golden model, the cycle-accurate
// SystemC model (sim/systemc) and the Verilated RTL top (verilated in SystemC mode, vrtl_top_sc)
// in ONE SystemC simulation, one clock, one cycle per nanosecond.
//
// The golden model runs first (it is fast) and gives every job's expected rows; with_hls, the
// HLS kernel's C-simulation (hls/, untimed) runs next and its rows go through the row scoreboard
// before the clocked simulation starts. During the simulation two scoreboards check, as things
// arrive:
//   rows   - every output row of the RTL and of the SystemC model, bit for bit against golden's
//            row of the same (step, layer, head), and its row-activity flag;
//   events - the RTL's i-th phase event (kind, step, layer, group, tokens, start, end) against the
//            SystemC model's i-th, exactly, as soon as both exist.
// At the end, the totals: every row seen once, cycles, every hardware counter (RTL vs SystemC) and
// the golden counters (both vs golden). The first mismatch is kept with the job it belongs to and
// the seed.
#pragma once

#include <cstdint>
#include <string>

#include "run_types.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/golden.hpp"
#include "sinkattn/trace.hpp"

namespace sinkattn::cosim {

// Deliberate faults for the tests that prove the scoreboards can fail (never used otherwise).
enum class Inject {
  kNone,
  kRtlDramData,     // the RTL's DRAM image has one bit flipped in every byte (outputs diverge)
  kRtlDramLatency,  // the RTL's DRAM model answers one cycle later (cycle stamps diverge)
  kHlsOutput,       // with_hls: the lowest bit of the last active row's first element flipped
};

struct CosimOptions {
  host::RunOptions run;  // seed, back-pressure, outstanding requests, watchdog, waves (RTL FST file)
  Inject inject = Inject::kNone;
  bool with_hls = false;  // also the HLS kernel's C-simulation (untimed): its rows and counters vs golden
};

struct CosimResult {
  GoldenResult golden;
  host::RunResult systemc, rtl;
  GoldenResult hls;                  // with_hls only
  double hls_seconds = 0;
  bool match = false;
  std::string first_mismatch;  // "" when match
  std::uint64_t rows_checked = 0;    // rows compared with golden, both models together
  std::uint64_t events_checked = 0;  // RTL/SystemC event pairs compared
  double golden_seconds = 0, wall_seconds = 0;
};

// Throws InputError for hardware the RTL build or the SystemC model cannot take, and
// std::runtime_error if a model stops making progress (watchdog) or breaks its protocol.
CosimResult run_cosim(const Config& cfg, const Plan& plan, const IntTrace& trace, const CosimOptions& opt);

}  // namespace sinkattn::cosim
