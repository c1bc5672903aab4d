// Each subcommand registers its options on the app and returns the action to run if chosen.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

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

// Parses the command line and runs the chosen subcommand's action. Bad input of any kind (flags,
// configuration, trace) is reported as "error: FILE: FIELD: REASON" with exit status 2, an
// internal error with 1; `usage_hint` follows a command-line error.
// The command line parse_and_run was given (argv), for handing a command over to another program
// with the same arguments (the RTL runner of other hardware, sim/rtl/rtl_build.hpp).
const std::vector<std::string>& command_line();

int parse_and_run(CLI::App& app, const std::vector<std::pair<CLI::App*, Action>>& actions, int argc, char** argv,
                  const std::string& usage_hint);

}  // namespace sinkattn::cli
