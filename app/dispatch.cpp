// What every binary of the product shares around its subcommands: parsing, running the chosen
// one, and the exit statuses (0 success, 2 bad input, 1 internal error).
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "sinkattn/error.hpp"

namespace sinkattn::cli {

void ensure_dir(const std::string& path, const std::string& flag) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path)) throw InputError(path, flag, "cannot create directory: " + ec.message());
}

namespace {
std::vector<std::string> g_command_line;
}  // namespace

const std::vector<std::string>& command_line() { return g_command_line; }

int parse_and_run(CLI::App& app, const std::vector<std::pair<CLI::App*, Action>>& actions, int argc, char** argv,
                  const std::string& usage_hint) {
  g_command_line.assign(argv, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and the like arrive as "successful" parse errors; CLI11 prints them itself.
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::cerr << "error: command line: " << e.what() << "\n" << usage_hint;
    return 2;
  }
  try {
    for (const auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace sinkattn::cli
