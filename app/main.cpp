// build/bin/sinkattn: one binary, one subcommand per job. Bad input of any kind is reported as
// "error: FILE: FIELD: REASON" with exit status 2.
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"sinkattn: model and simulator suite for a sink-aware sparse attention accelerator"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, sinkattn::cli::Action>> commands;
  const auto add = [&](sinkattn::cli::Action (*make)(CLI::App&)) {
    const std::size_t before = app.get_subcommands({}).size();
    sinkattn::cli::Action action = make(app);
    commands.emplace_back(app.get_subcommands({})[before], std::move(action));
  };
  add(sinkattn::cli::add_golden);
  add(sinkattn::cli::add_gen_trace);
#ifdef SINKATTN_CYCLE_MODELS  // off in the sanitizer build, which needs no RTL and no SystemC
  add(sinkattn::cli::add_rtl);
  add(sinkattn::cli::add_sim);
  add(sinkattn::cli::add_cosim);
#endif
  add(sinkattn::cli::add_area);
  add(sinkattn::cli::add_hls);
  add(sinkattn::cli::add_sweep);

  return sinkattn::cli::parse_and_run(app, commands, argc, argv,
                                      "Run 'sinkattn --help' or 'sinkattn SUBCOMMAND --help'.\n");
}
