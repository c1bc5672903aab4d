// Every entry of every generated lookup table against its exact value, computed here at high
// precision with Boost.Multiprecision and the rounding docs/numerics.md states, independently of
// scripts/gen_tables.py. Both forms the implementations load are checked: the C++ header
// (numerics_gen.hpp, read by the golden and SystemC models) and the $readmemh files (read by the
// RTL). The widths come from configs/numerics.yaml, read here with yaml-cpp, so a generator that
// mis-copies a width is caught as well.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "sinkattn/numerics_gen.hpp"

namespace {

namespace mp = boost::multiprecision;
using Real = mp::cpp_bin_float_100;  // 100 decimal digits: far below any rounding boundary here
using Rational = mp::cpp_rational;

int yaml_int(const char* field) {
  static const YAML::Node doc = YAML::LoadFile(SINKATTN_SOURCE_CONFIG_DIR "/numerics.yaml");
  return doc[field].as<int>();
}

// "Round half up: add half, then floor" (docs/numerics.md, notation).
std::uint64_t round_half_up(const Real& x) { return static_cast<std::uint64_t>(mp::floor(x + Real(0.5))); }
std::uint64_t round_half_up(const Rational& x) {
  const Rational y = x + Rational(1, 2);
  return static_cast<std::uint64_t>(mp::numerator(y) / mp::denominator(y));  // floor: y > 0
}

// EXP2[f] = round(2^(exp_out_bits-1) * 2^(-f / 2^exp_lut_bits)), round half up.
std::vector<std::uint64_t> exact_exp2_table() {
  const int size = 1 << yaml_int("exp_lut_bits");
  const Real one = mp::ldexp(Real(1), yaml_int("exp_out_bits") - 1);
  std::vector<std::uint64_t> t;
  for (int f = 0; f < size; ++f) t.push_back(round_half_up(one * mp::exp(-Real(f) / size * mp::log(Real(2)))));
  return t;
}

// RECIP[i] = round(2^recip_out_bits / (1 + (i + 1/2) / 2^recip_lut_bits)), exact rationals,
// round half up.
std::vector<std::uint64_t> exact_recip_table() {
  const int b = yaml_int("recip_lut_bits");
  const Rational top = Rational(mp::cpp_int(1) << yaml_int("recip_out_bits"));
  std::vector<std::uint64_t> t;
  for (int i = 0; i < (1 << b); ++i) {
    const Rational mid = 1 + (Rational(i) + Rational(1, 2)) / Rational(mp::cpp_int(1) << b);
    t.push_back(round_half_up(top / mid));
  }
  return t;
}

// One value per line, exactly ceil(bits / 4) hex digits, nothing else.
std::vector<std::uint64_t> read_hex(const std::string& name, int bits) {
  const std::string path = std::string(SINKATTN_GEN_DIR) + "/rtl/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  const std::regex word("[0-9a-f]{" + std::to_string((bits + 3) / 4) + "}");
  std::vector<std::uint64_t> v;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    EXPECT_TRUE(std::regex_match(line, word)) << path << " line " << n << ": '" << line << "'";
    v.push_back(std::stoull(line, nullptr, 16));
  }
  return v;
}

template <typename Table>
void expect_entries(const char* what, const Table& got, const std::vector<std::uint64_t>& exact) {
  ASSERT_EQ(got.size(), exact.size()) << what;
  int wrong = 0;
  for (std::size_t i = 0; i < exact.size(); ++i)
    if (got[i] != exact[i]) {
      if (++wrong <= 5) ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", exact " << exact[i];
    }
  EXPECT_EQ(wrong, 0) << what << ": entries that differ from the exact rounding";
}

TEST(Tables, Exp2HeaderIsExact) { expect_entries("kExp2Lut", sinkattn::num::kExp2Lut, exact_exp2_table()); }
TEST(Tables, ReciprocalHeaderIsExact) { expect_entries("kRecipLut", sinkattn::num::kRecipLut, exact_recip_table()); }
TEST(Tables, Exp2HexFileIsExact) {
  expect_entries("exp2_lut.hex", read_hex("exp2_lut.hex", yaml_int("exp_out_bits")), exact_exp2_table());
}
TEST(Tables, ReciprocalHexFileIsExact) {
  expect_entries("recip_lut.hex", read_hex("recip_lut.hex", yaml_int("recip_out_bits")), exact_recip_table());
}

// The table values sit well inside their rounding intervals: no entry depends on the last
// digits of the high-precision computation (the distance to the nearest .5 exceeds 1e-6).
TEST(Tables, Exp2EntriesAreFarFromRoundingTies) {
  const int size = 1 << yaml_int("exp_lut_bits");
  const Real one = mp::ldexp(Real(1), yaml_int("exp_out_bits") - 1);
  for (int f = 1; f < size; ++f) {
    const Real x = one * mp::exp(-Real(f) / size * mp::log(Real(2)));
    const Real frac = x - mp::floor(x);
    EXPECT_GT(mp::abs(frac - Real(0.5)), Real(1e-6)) << "entry " << f;
  }
}

// The constants the C++ header and the Verilog package carry are the YAML's.
TEST(Tables, HeadersCarryTheYamlWidths) {
  using namespace sinkattn::num;
  const std::pair<const char*, int> header[] = {
      {"data_bits", kDataBits},           {"key_msb_bits", kKeyMsbBits},       {"key_lsb_bits", kKeyLsbBits},
      {"logit_frac_bits", kLogitFracBits}, {"exp_lut_bits", kExpLutBits},       {"exp_out_bits", kExpOutBits},
      {"recip_lut_bits", kRecipLutBits},   {"recip_out_bits", kRecipOutBits},   {"prob_frac_bits", kProbFracBits},
      {"out_frac_bits", kOutFracBits},     {"out_bits", kOutBits},              {"scale_mant_bits", kScaleMantBits},
      {"scale_shift_min", kScaleShiftMin}, {"scale_shift_max", kScaleShiftMax}, {"importance_bits", kImportanceBits}};
  std::ifstream pkg(std::string(SINKATTN_GEN_DIR) + "/rtl/sinkattn_numerics_pkg.sv");
  ASSERT_TRUE(pkg);
  const std::string text((std::istreambuf_iterator<char>(pkg)), std::istreambuf_iterator<char>());
  for (const auto& [field, value] : header) {
    EXPECT_EQ(value, yaml_int(field)) << "numerics_gen.hpp: " << field;
    std::string camel;
    bool up = true;
    for (const char* c = field; *c; ++c) {
      if (*c == '_') up = true;
      else camel += up ? static_cast<char>(std::toupper(*c)) : *c, up = false;
    }
    std::smatch m;
    const std::regex line("localparam int " + camel + " = (-?[0-9]+);");
    ASSERT_TRUE(std::regex_search(text, m, line)) << "sinkattn_numerics_pkg.sv lacks " << camel;
    EXPECT_EQ(std::stoi(m[1]), yaml_int(field)) << "sinkattn_numerics_pkg.sv: " << camel;
  }
}

}  // namespace
