// build/bin/sinkattn-worker: what `sinkattn sweep` runs for each point (sweep run-point) and in
// each Slurm array task (sweep run-shard), with exactly the arguments `sinkattn` takes for the
// same commands. A binary of its own so that a point's process starts fast: it does not link
// the sweep's search library (pagmo2), whose start-up work would rival a golden point.
#include <vector>

#include "commands.hpp"

namespace sinkattn::cli {
void add_sweep_worker_commands(CLI::App* sweep, std::vector<std::pair<CLI::App*, Action>>& actions);
}  // namespace sinkattn::cli

int main(int argc, char** argv) {
  CLI::App app{"sinkattn-worker: one sweep point (sweep run-point) or one Slurm array task (sweep run-shard)"};
  app.require_subcommand(1);
  CLI::App* sweep = app.add_subcommand("sweep", "Sweep worker commands");
  sweep->require_subcommand(1);
  std::vector<std::pair<CLI::App*, sinkattn::cli::Action>> actions;
  sinkattn::cli::add_sweep_worker_commands(sweep, actions);
  return sinkattn::cli::parse_and_run(app, actions, argc, argv, "Run 'sinkattn-worker --help'.\n");
}
