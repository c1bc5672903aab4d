// sinkattn-rtl: the commands of sinkattn that run the RTL (`rtl`, `sweep run-point`,
// `sweep run-shard`), linked against the top Verilated for one other hardware configuration.
// Built on demand (sim/rtl/rtl_build.hpp, sim/rtl/ondemand/); sinkattn and sinkattn-worker hand
// a command over to it, with the same arguments, when the configuration asks for its hardware.
#include <vector>

#include "commands.hpp"

namespace sinkattn::cli {
void add_sweep_worker_commands(CLI::App* sweep, std::vector<std::pair<CLI::App*, Action>>& actions);
}  // namespace sinkattn::cli

int main(int argc, char** argv) {
  CLI::App app{"sinkattn-rtl: sinkattn's RTL commands for one hardware configuration (built on demand)"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, sinkattn::cli::Action>> actions;
  sinkattn::cli::Action rtl = sinkattn::cli::add_rtl(app);
  actions.emplace_back(app.get_subcommand("rtl"), std::move(rtl));
  CLI::App* sweep = app.add_subcommand("sweep", "Sweep worker commands");
  sweep->require_subcommand(1);
  sinkattn::cli::add_sweep_worker_commands(sweep, actions);
  return sinkattn::cli::parse_and_run(app, actions, argc, argv, "Run 'sinkattn-rtl --help'.\n");
}
