// Each subcommand registers its options on the app and returns the action to run if chosen.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace sinkattn::cli {

using Action = std::function<int()>;

Action add_golden(CLI::App& app);
Action add_gen_trace(CLI::App& app);
Action add_rtl(CLI::App& app);
Action add_sim(CLI::App& app);
Action add_cosim(CLI::App& app);
Action add_area(CLI::App& app);
Action add_sweep(CLI::App& app);
Action add_hls(CLI::App& app);

// Checks that `path` names a directory we can create or write (for --out / --dump).
void ensure_dir(const std::string& path, const std::string& flag);

}  // namespace sinkattn::cli
