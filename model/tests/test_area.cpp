// The area model (configs/area, docs/area.md) against Yosys: the logic of every block on the
// calibration points held out of the fit, and the memory inventory against the memories Yosys
// infers from the RTL, on every calibration point. The Yosys figures are the committed
// calibration data (scripts/area_calibrate.py); the rtl-labelled `area_yosys_live` test
// re-synthesizes held-out points.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "sinkattn/area.hpp"
#include "sinkattn/error.hpp"

namespace fs = std::filesystem;
using namespace sinkattn;

namespace {

// The bound the model is held to on held-out points (docs/area.md).
constexpr double kLogicErrorBound = 0.15;

const std::string kAreaDir = std::string(SINKATTN_SOURCE_CONFIG_DIR) + "/area";

// The Yosys data: the committed calibration, or $SINKATTN_AREA_DATA (the live test's fresh runs).
const char* live_data() { return std::getenv("SINKATTN_AREA_DATA"); }
std::string data_dir() { return live_data() ? live_data() : kAreaDir + "/calibration"; }

// A CSV without quoted commas (the calibration files), as rows of header -> cell.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f) << "cannot open " << path;
  std::vector<std::map<std::string, std::string>> rows;
  std::string line;
  std::vector<std::string> header;
  const auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    return out;
  };
  if (std::getline(f, line)) header = split(line);
  while (std::getline(f, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

std::map<std::string, long long> parse_params(const std::string& s) {
  std::map<std::string, long long> out;
  std::stringstream ss(s);
  std::string item;
  while (ss >> item) out[item.substr(0, item.find('='))] = std::stoll(item.substr(item.find('=') + 1));
  return out;
}

// The calibration runs fill what a point leaves alone from the default preset and this base.
Config point_config(const std::map<std::string, long long>& p) {
  Config c = load_config("sinkattn");
  HwConfig& h = c.hw;
  h.head_dim = 8, h.qk_lanes = 2, h.pv_lanes = 2, h.max_tokens = 64, h.max_layers = 2, h.max_q_heads = 4;
  h.max_kv_heads = 2, h.sink_sram_tokens = 4, h.topk_parallelism = 4, h.scan_width = 8;
  // The RTL top's parameter names, through the one table that maps them to fields.
  for (const auto& [k, v] : p)
    EXPECT_TRUE(set_rtl_parameter(h, k, v)) << "calibration parameter " << k << " is no RTL top parameter";
  return c;
}

TEST(Area, LogicWithinBoundOfYosysOnHeldOutPoints) {
  const auto model = load_area_model("nangate45");
  const auto rows = read_csv(data_dir() + "/yosys_logic.csv");
  std::map<std::string, int> held_out;
  std::printf("%-14s %-50s %12s %12s %8s\n", "block", "held-out point", "yosys um2", "model um2", "error");
  double worst = 0;
  for (const auto& r : rows) {
    if (r.at("role") != "holdout") continue;
    const auto params = parse_params(r.at("params"));
    const double yosys = yosys_cell_area(*model, r.at("cell_counts"));
    const double modeled = logic_area(*model, r.at("block"), params, point_config(params));
    const double err = (modeled - yosys) / yosys;
    worst = std::max(worst, std::abs(err));
    std::printf("%-14s %-50s %12.0f %12.0f %+7.1f%%\n", r.at("block").c_str(), r.at("params").c_str(), yosys, modeled,
                100 * err);
    EXPECT_LE(std::abs(err), kLogicErrorBound) << r.at("block") << " at " << r.at("params") << ": model " << modeled
                                               << " um2, Yosys " << yosys << " um2";
    ++held_out[r.at("block")];
  }
  std::printf("worst held-out error %.1f%% (bound %.0f%%)\n", 100 * worst, 100 * kLogicErrorBound);
  EXPECT_GE(held_out.size(), 1u) << "no held-out point in " << data_dir();
  if (!live_data()) {
    for (const auto& [block, params] : logic_blocks(*model))
      EXPECT_GE(held_out[block], 1) << block << " has no held-out point in the calibration data";
  }
}

// The model's memories of one synthesized block, named as Yosys names them when the block is
// synthesized on its own (the top's own memories for top_logic).
std::multiset<std::string> model_memories(const Config& cfg, const std::string& block) {
  const std::map<std::string, std::string> prefix = {{"softmax_unit", "u_sm."}, {"topk_engine", "u_topk."}};
  std::multiset<std::string> out;
  for (const MemoryGeometry& g : memory_inventory(cfg.hw)) {
    std::string name = g.name;
    const bool in_sub = name.rfind("u_sm.", 0) == 0 || name.rfind("u_topk.", 0) == 0;
    if (block == "top_logic" ? in_sub : !(prefix.count(block) && name.rfind(prefix.at(block), 0) == 0)) continue;
    if (block != "top_logic") name = name.substr(prefix.at(block).size());
    for (int b = 0; b < g.banks; ++b) {
      std::string banked = name;
      const auto br = banked.find("[]");
      if (br != std::string::npos) banked.insert(br + 1, std::to_string(b));
      char geo[128];
      std::snprintf(geo, sizeof geo, " %lldx%d %dR%dW", g.words, g.width, g.read_ports, g.write_ports);
      out.insert(banked + geo);
    }
  }
  return out;
}

TEST(Area, MemoryInventoryMatchesYosys) {
  const auto points = read_csv(data_dir() + "/yosys_logic.csv");
  const auto mems = read_csv(data_dir() + "/yosys_memories.csv");
  int checked = 0;
  for (const auto& p : points) {
    const std::string block = p.at("block");
    if (block == "qk_lanes" || block == "pv_lanes") continue;  // neither has a memory (checked below)
    const Config cfg = point_config(parse_params(p.at("params")));
    std::multiset<std::string> yosys;
    for (const auto& m : mems) {
      if (m.at("block") != block || m.at("params") != p.at("params")) continue;
      std::string name = m.at("memory");
      int width = std::stoi(m.at("width"));
      // Yosys drops a ROM's constant bit columns (RECIP's top bit is always 0): compare a ROM at
      // the declared width whenever Yosys's is narrower by that.
      if (m.at("write_ports") == "0")
        for (const MemoryGeometry& g : memory_inventory(cfg.hw))
          if (g.name.size() >= name.size() && g.name.compare(g.name.size() - name.size(), name.size(), name) == 0 &&
              width <= g.width)
            width = g.width;
      yosys.insert(name + " " + m.at("words") + "x" + std::to_string(width) + " " + m.at("read_ports") + "R" +
                   m.at("write_ports") + "W");
    }
    const auto modeled = model_memories(cfg, block);
    EXPECT_EQ(modeled, yosys) << block << " at " << p.at("params");
    ++checked;
  }
  EXPECT_GE(checked, live_data() ? 1 : 10);
  for (const auto& m : mems)
    EXPECT_TRUE(m.at("block") != "qk_lanes" && m.at("block") != "pv_lanes") << m.at("block") << " has memory " << m.at("memory");
}

// The top's own memories at the default preset as Yosys infers them (scripts/synth.py top_logic,
// rtl/README.md "Memories"): 256 380 928 bits in memories of at least one RAMB36 (36 864 bits),
// every one a one-read, one-write cell. The inventory must reproduce that figure and those ports.
TEST(Area, DefaultPresetMemoryBitsMatchTheTopSynthesis) {
  const Config cfg = load_config("sinkattn");
  long long large_bits = 0;
  for (const MemoryGeometry& g : memory_inventory(cfg.hw)) {
    const bool in_block = g.name.rfind("u_sm.", 0) == 0 || g.name.rfind("u_topk.", 0) == 0;
    if (!in_block && g.words * g.width >= 36864) large_bits += g.bits();
    EXPECT_LE(g.read_ports + g.write_ports, 2) << g.name;
  }
  EXPECT_EQ(large_bits, 256380928LL);
}

TEST(Area, ReportAddsUp) {
  const auto model = load_area_model("nangate45");
  const AreaReport r = area_of(load_config("sinkattn"), *model);
  double blocks = 0, logic = 0;
  for (const auto& [b, um2] : r.blocks_um2) blocks += um2;
  for (const auto& [b, um2] : r.logic_um2) logic += um2;
  EXPECT_NEAR(blocks, r.total_um2, 1e-6 * r.total_um2);
  EXPECT_NEAR(logic, r.logic_um2_total, 1e-6 * r.logic_um2_total);
  EXPECT_GT(r.logic_um2_total, 0);
  long long bits = 0;
  for (const auto& m : r.memories) bits += m.geometry.bits();
  EXPECT_EQ(bits, r.memory_bits);
  // More lanes cost more logic, more tokens more memory.
  Config wider = load_config("sinkattn");
  wider.hw.qk_lanes *= 2;
  EXPECT_GT(area_of(wider, *model).logic_um2.at("qk_lanes"), r.logic_um2.at("qk_lanes"));
  Config longer = load_config("sinkattn");
  longer.hw.max_tokens *= 2;
  EXPECT_GT(area_of(longer, *model).memory_um2_total, r.memory_um2_total);
}

TEST(Area, MemoryKinds) {
  const auto model = load_area_model("nangate45");
  // Small: flops; large with 1R1W: one macro; 3 read ports: three copies; no write port: ROM.
  EXPECT_EQ(memory_area(*model, {"a", "b", 16, 8, 1, 1, 1}).kind, "flops");
  const MemoryArea one = memory_area(*model, {"a", "b", 4096, 32, 1, 1, 1});
  const MemoryArea three = memory_area(*model, {"a", "b", 4096, 32, 3, 1, 1});
  EXPECT_EQ(one.kind, "sram");
  EXPECT_EQ(three.copies, 3);
  EXPECT_NEAR(three.um2, 3 * one.um2, 1e-9 * three.um2);
  EXPECT_EQ(memory_area(*model, {"a", "b", 1024, 16, 1, 0, 1}).kind, "rom");
  const MemoryArea banked = memory_area(*model, {"a", "b", 4096, 32, 1, 1, 4});
  EXPECT_NEAR(banked.um2, 4 * one.um2, 1e-9 * banked.um2);
  // A large macro lands between the bare 45 nm bitcell (0.346 um2) x the two-port factor and
  // the 0.78 um2 per bit of Intel's whole 45 nm 153 Mbit test chip, periphery and all.
  const double per_bit = memory_area(*model, {"a", "b", 65536, 64, 1, 1, 1}).um2 / (65536.0 * 64);
  EXPECT_GT(per_bit, 0.346 * 1.3);
  EXPECT_LT(per_bit, 0.78);
}

TEST(Area, MacrosTileEveryMemoryWithinTheCompilersLargest) {
  // Every SRAM and ROM of the default preset is built from equal macros of at most 8 Ki words x
  // 144 bits (configs/area/nangate45.yaml), with one read and one write port each, that together
  // hold its bits; a register array has none.
  const auto model = load_area_model("nangate45");
  const AreaReport r = area_of(load_config("sinkattn"), *model);
  long long macros = 0;
  for (const MemoryArea& m : r.memories) {
    const MemoryGeometry& g = m.geometry;
    if (m.kind == "flops") {
      EXPECT_EQ(m.macros, 0) << g.name;
      continue;
    }
    EXPECT_LE(m.macro_words, 8192) << g.name;
    EXPECT_LE(m.macro_width, 144) << g.name;
    const long long tiles = m.macros / (static_cast<long long>(g.banks) * m.copies);
    EXPECT_EQ(tiles * g.banks * m.copies, m.macros) << g.name;
    // The tiles cover the array: words and width, each split into equal parts.
    const long long word_tiles = (g.words + m.macro_words - 1) / m.macro_words;
    const long long width_tiles = (g.width + m.macro_width - 1) / m.macro_width;
    EXPECT_EQ(word_tiles * width_tiles, tiles) << g.name;
    EXPECT_GE(m.macro_words * word_tiles, g.words) << g.name;
    EXPECT_GE(static_cast<long long>(m.macro_width) * width_tiles, g.width) << g.name;
    EXPECT_LE(g.read_ports, 1) << g.name << ": one read port per macro (the top's memories are all 1R1W)";
    EXPECT_LE(g.write_ports, 1) << g.name;
    macros += m.macros;
  }
  // The 4 Mi-word importance store alone is 512 macros of 8 Ki x 48.
  EXPECT_GE(macros, 512);
  // Tiling costs periphery: a deep array split in two costs a column set and a control more.
  const MemoryArea deep = memory_area(*model, {"a", "b", 16384, 48, 1, 1, 1});
  const MemoryArea half = memory_area(*model, {"a", "b", 8192, 48, 1, 1, 1});
  EXPECT_EQ(deep.macros, 2);
  EXPECT_EQ(half.macros, 1);
  EXPECT_NEAR(deep.um2, 2 * half.um2, 1e-9 * deep.um2);
}

class AreaFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sinkattn_area_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ifstream in(kAreaDir + "/nangate45.yaml");
    std::stringstream s;
    s << in.rdbuf();
    table_ = s.str();
    fs::copy_file(kAreaDir + "/nangate45_fit.yaml", dir_ / "nangate45_fit.yaml");
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The real table with `from` replaced by `to`; expects an InputError whose message holds `want`.
  void expect_error(const std::string& from, const std::string& to, const std::string& want) {
    std::string t = table_;
    const auto at = t.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    const std::string p = (dir_ / "table.yaml").string();
    std::ofstream(p) << t;
    try {
      load_area_model(p);
      FAIL() << "no error for " << to;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
      // file:line of the table, or of its fit file for a term the fit does not match
      EXPECT_NE(std::string(e.what()).find(dir_.string() + "/"), std::string::npos) << e.what();
      EXPECT_TRUE(std::regex_search(std::string(e.what()), std::regex("\\.yaml:[0-9]+: "))) << "no file:line in " << e.what();
    }
  }
  fs::path dir_;
  std::string table_;
};

TEST_F(AreaFiles, BadTablesNameFileLineAndField) {
  expect_error("expr: \"QkLanes*HeadDim\"", "expr: \"QkLanes*Bogus\"", "logic.qk_lanes.terms[0].expr");
  expect_error("expr: \"QkLanes*HeadDim\"", "expr: \"QkLanes*(HeadDim\"", "logic.qk_lanes.terms[0].expr");
  expect_error("bitcell_um2: {value: 0.346", "bitcell_um2: {value: -1", "memory.bitcell_um2.value");
  expect_error("macro_max_words: {value: 8192", "macro_max_words: {value: 0", "memory.macro_max_words.value");
  expect_error("macro_max_width: {value: 144", "macro_max_width: {value: 14.5", "memory.macro_max_width.value");
  expect_error("node_nm: 45", "node_nm: 45\nspeed: 3", "speed: unknown field");
  expect_error("um2: 0.532", "um2: many", "cells[0].um2");
  expect_error("name: multipliers_and_adder_trees", "name: renamed", "blocks.qk_lanes.terms[0].name");
  expect_error("fit_file: nangate45_fit.yaml", "fit_file: nowhere.yaml", "fit_file");
}

TEST(Area, UnknownTableListsTheKnownOnes) {
  try {
    load_area_model("nosuch");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nangate45"), std::string::npos) << e.what();
  }
}

}  // namespace
