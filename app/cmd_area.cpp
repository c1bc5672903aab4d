// sinkattn area: the silicon area of a configuration's hardware, by block, with its on-chip
// memory bits and the area model's provenance (docs/area.md). No trace is needed: area follows
// the hardware parameters alone.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "commands.hpp"
#include "sinkattn/area.hpp"
#include "sinkattn/config.hpp"
#include "sinkattn/report.hpp"

namespace sinkattn::cli {
namespace {

struct AreaArgs {
  std::string config = "sinkattn";
  std::string area = "nangate45";
  std::string json;
  bool memories = false;
  bool quiet = false;
};

void print(const nlohmann::json& j, bool memories) {
  char line[200];
  const double total = j["area_um2"].get<double>();
  const auto& p = j["provenance"];
  std::cout << "sinkattn area: preset " << j["preset"].get<std::string>() << " (" << j["config_file"].get<std::string>()
            << ")\n";
  std::snprintf(line, sizeof line, "  %-22s %16s %8s\n", "block", "um2", "share");
  std::cout << line;
  for (const auto& [block, um2] : j["area_um2_by_block"].items()) {
    std::snprintf(line, sizeof line, "  %-22s %16.0f %7.2f%%\n", block.c_str(), um2.get<double>(),
                  total > 0 ? 100.0 * um2.get<double>() / total : 0.0);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, "  %-22s %16.0f   (%.4g mm2; logic %.4g mm2, memories %.4g mm2)\n", "total", total,
                total * 1e-6, j["area_logic_um2"].get<double>() * 1e-6, j["area_memory_um2"].get<double>() * 1e-6);
  std::cout << line;
  std::snprintf(line, sizeof line, "  %-22s %16lld   (%.4g Mbit)\n", "on-chip memory bits",
                j["area_memory_bits"].get<long long>(), j["area_memory_bits"].get<double>() * 1e-6);
  std::cout << line;
  if (memories) {
    std::cout << "  memories (words x width, read/write ports, banks, kind, copies; macros: count x words x width):\n";
    for (const auto& m : j["memories"]) {
      std::snprintf(line, sizeof line, "    %-30s %-16s %9lld x %-5d %2dR%dW x%-3d %-5s x%-2d %14.0f um2",
                    m["name"].get<std::string>().c_str(), m["block"].get<std::string>().c_str(),
                    m["words"].get<long long>(), m["width"].get<int>(), m["read_ports"].get<int>(),
                    m["write_ports"].get<int>(), m["banks"].get<int>(), m["kind"].get<std::string>().c_str(),
                    m["copies"].get<int>(), m["um2"].get<double>());
      std::cout << line;
      if (m["macros"].get<long long>() > 0) {
        std::snprintf(line, sizeof line, "   %5lld x %lld x %d", m["macros"].get<long long>(),
                      m["macro_words"].get<long long>(), m["macro_width"].get<int>());
        std::cout << line;
      }
      std::cout << "\n";
    }
    std::cout << "  SRAM and ROM macros, every one with one read and one write port at most:\n";
    std::map<std::tuple<long long, int, std::string>, long long> shapes;  // (words, width, ports) -> count
    for (const auto& m : j["memories"])
      if (m["macros"].get<long long>() > 0) {
        const bool rom = m["write_ports"].get<int>() == 0;
        const std::string ports = rom ? "1R (ROM)" : m["read_ports"].get<int>() ? "1R1W" : "1RW";
        shapes[{m["macro_words"].get<long long>(), m["macro_width"].get<int>(), ports}] += m["macros"].get<long long>();
      }
    for (const auto& [shape, n] : shapes) {
      const auto& [words, width, ports] = shape;
      std::snprintf(line, sizeof line, "    %6lld x %6lld words x %3d bits, %s\n", n, words, width, ports.c_str());
      std::cout << line;
    }
  }
  std::cout << "  model " << j["area_model"].get<std::string>() << " at " << p["node_nm"].get<int>() << " nm: "
            << p["table"].get<std::string>() << "\n  logic calibrated against " << p["yosys"].get<std::string>()
            << " on " << p["calibration_date"].get<std::string>() << " (commit "
            << p["calibration_commit"].get<std::string>() << ")\n";
}

int run_area_cmd(const AreaArgs& a) {
  const Config cfg = load_config(a.config);
  const auto model = load_area_model(a.area);
  const nlohmann::json j = area_report(cfg, *model);
  if (!a.json.empty()) write_json(a.json, j);
  if (!a.quiet) print(j, a.memories);
  return 0;
}

}  // namespace

Action add_area(CLI::App& app) {
  auto a = std::make_shared<AreaArgs>();
  CLI::App* sub = app.add_subcommand("area", "Price a configuration's silicon area by block (no trace needed)");
  sub->add_option("--config", a->config, "Preset name or YAML file")->capture_default_str();
  sub->add_option("--area", a->area, "Area model: a name in configs/area or a YAML file")->capture_default_str();
  sub->add_option("--json", a->json, "Write the area object as JSON to FILE");
  sub->add_flag("--memories", a->memories, "Also list every on-chip memory with its geometry and area");
  sub->add_flag("--quiet", a->quiet, "Do not print the table");
  return [a] { return run_area_cmd(*a); };
}

}  // namespace sinkattn::cli
