// The RTL top for any hardware the configuration loader accepts. The product binaries link the
// top Verilated for the default preset's hardware (rtl_run.hpp); for other hardware, `sinkattn
// rtl` and rtl-fidelity sweep points run a runner program (build/.../sinkattn-rtl, the same
// `rtl` and `sweep run-point` commands) built on demand for that hardware, once, through the
// project's own CMake path (sim/rtl/ondemand/CMakeLists.txt, cmake/SinkattnTop.cmake): the
// generated parameter header, verilate(), the RTL runner. Hardware that a SINKATTN_HW_VARIANTS
// preset has is not Verilated again: its runner links the main build's Verilated library.
//
// Builds are cached by a digest of the hardware parameters (rtl_parameter_list) under
// $SINKATTN_RTL_CACHE or BUILD/rtl_hw/<digest>, one build at a time per hardware (a file lock,
// so several workers wait for one build), with progress on a terminal and the log in
// <dir>/build.log. See docs/sweep.md, "RTL fidelity at any hardware".
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sinkattn/config.hpp"

namespace sinkattn::rtl {

// A failed on-demand build; what() ends with the tail of its log.
struct RtlBuildError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RtlBuild {
  std::string digest;   // SHA-256 of the hardware's generated parameter header
  std::string dir;      // the cache directory of this hardware
  std::string runner;   // the runner program (exists once built)
  std::string variant;  // the SINKATTN_HW_VARIANTS preset with this hardware, if any
};

// The digest of the hardware a Verilated top is built for.
std::string rtl_hw_digest(const HwConfig& hw);

// Where the runner for `hw` lives; builds nothing.
RtlBuild rtl_build_for(const HwConfig& hw);

enum class BuildCheck {
  kUpToDate,   // run the build (a no-op when nothing changed): what the sweep and `sinkattn rtl` do
  kIfMissing,  // only when the runner does not exist yet: what a sweep's workers do, after the sweep
               // brought every runner it needs up to date
};

// Builds the runner for `cfg`'s hardware (waiting for another process's build of the same
// hardware if one is running). Throws RtlBuildError when the build fails.
// Unless `quiet`, says on stderr (when it is not a terminal, whose progress line says it) which
// hardware's runner it checks.
RtlBuild ensure_rtl_runner(const HwConfig& hw, BuildCheck check, bool quiet = false);

// Replaces this process by the runner with this process's arguments (argv[1..]); never returns.
// Throws if the runner is this very program's kind for other hardware (a loop).
[[noreturn]] void exec_rtl_runner(const RtlBuild& b, const std::vector<std::string>& argv);

}  // namespace sinkattn::rtl
