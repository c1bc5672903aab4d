// The energy tables (configs/energy) and the counters-to-energy map shared by every model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sinkattn/energy.hpp"
#include "sinkattn/error.hpp"

namespace fs = std::filesystem;
using namespace sinkattn;

namespace {

const char* kGood = R"(name: t
description: test table
actions:
  mac: {pj: 1, source: a}
  add: {pj: 2, source: a}
  multiply: {pj: 3, source: a}
  compare: {pj: 4, source: a}
  sram_read_byte: {pj: 5, source: a}
  sram_write_byte: {pj: 6, source: a}
  dram_byte: {pj: 7, source: a}
  register_byte: {pj: 8, source: a}
)";

class EnergyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sinkattn_energy_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& text) {
    const std::string p = (dir_ / "table.yaml").string();
    std::ofstream(p) << text;
    return p;
  }
  void expect_error(const std::string& text, const std::string& field, const std::string& reason) {
    const std::string p = write(text);
    try {
      load_energy_table(p);
      FAIL() << "no error for:\n" << text;
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("table.yaml"), std::string::npos) << what;
      EXPECT_NE(what.find(field), std::string::npos) << what;
      EXPECT_NE(what.find(reason), std::string::npos) << what;
    }
  }
  std::string good_with(const std::string& from, const std::string& to) {
    return std::regex_replace(std::string(kGood), std::regex(from), to);
  }
  fs::path dir_;
};

TEST(EnergyTables, EveryShippedTableLoadsWithASourcePerAction) {
  const auto names = energy_table_names();
  ASSERT_FALSE(names.empty());
  for (const std::string& n : names) {
    const EnergyTable t = load_energy_table(n);
    EXPECT_EQ(t.sources.size(), 8u) << n;
    for (const auto& [action, source] : t.sources) EXPECT_GT(source.size(), 10u) << n << " " << action;
  }
  const EnergyTable h = load_energy_table("horowitz45");
  EXPECT_DOUBLE_EQ(h.add, 0.1);  // Horowitz's 32-bit add
  EXPECT_GT(h.dram_byte, 100 * h.sram_read_byte);
}

TEST_F(EnergyFiles, GoodTableLoads) {
  const EnergyTable t = load_energy_table(write(kGood));
  EXPECT_EQ(t.name, "t");
  EXPECT_DOUBLE_EQ(t.register_byte, 8);
}
TEST_F(EnergyFiles, MissingAction) { expect_error(good_with("  dram_byte: \\{pj: 7, source: a\\}\n", ""), "actions.dram_byte", "missing"); }
TEST_F(EnergyFiles, UnknownAction) { expect_error(good_with("  mac:", "  fma: {pj: 1, source: a}\n  mac:"), "actions.fma", "unknown action"); }
TEST_F(EnergyFiles, NotANumber) { expect_error(good_with("pj: 3", "pj: lots"), "actions.multiply.pj", "must be a number"); }
TEST_F(EnergyFiles, Negative) { expect_error(good_with("pj: 4", "pj: -4"), "actions.compare.pj", "positive"); }
TEST_F(EnergyFiles, NaN) { expect_error(good_with("pj: 4", "pj: .nan"), "actions.compare.pj", "positive"); }
TEST_F(EnergyFiles, MissingSource) { expect_error(good_with("\\{pj: 2, source: a\\}", "{pj: 2}"), "source", "missing"); }
TEST_F(EnergyFiles, UnknownTopLevel) { expect_error(std::string(kGood) + "units: pJ\n", "units", "unknown field"); }
// Found by fuzz_energy (fuzz/regressions/energy/nonscalar_key.yaml): a mapping as a key escaped
// as a bare yaml-cpp conversion error.
TEST_F(EnergyFiles, NonScalarKey) {
  expect_error("name: e\ndescription: d\nactions:\n  ? {a: 1}\n  : {pj: 1, source: s}\n", "actions", "a key must be a plain name");
  expect_error("? [x]\n: 1\nname: e\n", "(top level)", "a key must be a plain name");
  expect_error(good_with("pj: 4", "[pj]: 4"), "actions.compare", "a key must be a plain name");
}
TEST_F(EnergyFiles, Malformed) { expect_error("name: [unclosed\n", "", "malformed YAML"); }
TEST(EnergyTables, UnknownName) {
  try {
    load_energy_table("no_such_table");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("horowitz45"), std::string::npos) << e.what();
  }
}

// Each block's energy is its action counts times the table; checked on hand-computed counts.
TEST(EnergyOf, BlocksFollowTheDocumentedActions) {
  EnergyTable t;
  t.mac = 1, t.add = 10, t.multiply = 100, t.compare = 1000, t.sram_read_byte = 0.5, t.sram_write_byte = 0.25,
  t.dram_byte = 2, t.register_byte = 0.125;
  Counters c;
  const Shape s{1, 2, 1, 4, 16, 8};  // D = 4
  c.rows = 3, c.lsb_refetches = 1, c.row_tokens = 10;
  c.macs = 4 * (2 * 10 + 5);  // 5 pairs recomputed
  c.importance_updates = 7, c.sram_sink_hits = 2, c.dram_window = 100, c.dram_middle = 20, c.dram_lsb = 8;
  c.topk.elements = 9;
  const EnergyReport r = energy_of(c, s, t);
  const double scores = 15, reg = 1.5 * 0.125;
  EXPECT_DOUBLE_EQ(r.blocks.at("qk_lanes"), scores * 4 * (1 + reg));
  EXPECT_DOUBLE_EQ(r.blocks.at("pv_lanes"), 10 * 4 * (1 + reg));
  EXPECT_DOUBLE_EQ(r.blocks.at("softmax_unit"), scores * (1000 + 1 + 10 + 100) + 4 * 2 * 0.5);
  EXPECT_DOUBLE_EQ(r.blocks.at("topk_engine"), 9 * (1000 + 6 * 0.75));
  EXPECT_DOUBLE_EQ(r.blocks.at("importance"), 7 * (10 + 6 * 0.75));
  const TokenBytes tb = token_bytes(4);
  EXPECT_DOUBLE_EQ(r.blocks.at("sink_sram"), 2.0 * (tb.key_full + tb.value) * 0.5);
  EXPECT_DOUBLE_EQ(r.blocks.at("kv_buffer"), 128 * 0.75);
  EXPECT_DOUBLE_EQ(r.blocks.at("dram"), 128 * 2);
  double sum = 0;
  for (const auto& [b, pj] : r.blocks) sum += pj;
  EXPECT_DOUBLE_EQ(r.total_pj, sum);
}

}  // namespace
