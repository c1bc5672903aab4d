// build/bin/sinkattn: one binary, one subcommand per job. Bad input of any kind is reported as
// "error: FILE: FIELD: REASON" with exit status 2.
#include <filesystem>
#include <iostream>
#include <vector>

#include "commands.hpp"
#include "sinkattn/error.hpp"

namespace sinkattn::cli {

void ensure_dir(const std::string& path, const std::string& flag) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path)) throw InputError(path, flag, "cannot create directory: " + ec.message());
}

}  // namespace sinkattn::cli

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: command line: " << e.what() << "\nRun 'sinkattn --help' or 'sinkattn SUBCOMMAND --help'.\n";
    return 2;
  }
  try {
    for (auto& [sub, action] : commands)
      if (sub->parsed()) return action();
  } catch (const sinkattn::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
