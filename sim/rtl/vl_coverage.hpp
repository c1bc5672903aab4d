// The coverage build (-DSINKATTN_COVERAGE=ON, scripts/bench.sh coverage): where a Verilated
// model writes its line and toggle counts. Each model instance writes its own file,
// $SINKATTN_COVERAGE_DIR/<model>.<pid>.<instance>.dat (default directory: the working one), and
// verilator_coverage merges them. Counts live in the model, so a file is written before the
// model is destroyed; a model reused across runs rewrites its file with the running totals.
#pragma once

#include <unistd.h>
#include <verilated.h>
#include <verilated_cov.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace sinkattn::vlcov {

inline std::string next_file(const std::string& model) {
  static std::atomic<int> instances{0};
  const char* dir = std::getenv("SINKATTN_COVERAGE_DIR");
  return std::string(dir && *dir ? dir : ".") + "/" + model + "." + std::to_string(::getpid()) + "." +
         std::to_string(instances++) + ".dat";
}

inline void write(VerilatedContext& ctx, const std::string& file) { ctx.coveragep()->write(file.c_str()); }

}  // namespace sinkattn::vlcov
