#include "sinkattn/npy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "sinkattn/error.hpp"

namespace sinkattn::npy {
namespace {

namespace fs = std::filesystem;

const std::vector<DType> kAllDTypes = {DType::kFloat32, DType::kFloat16, DType::kInt8,
                                       DType::kUInt8,   DType::kInt16,   DType::kInt32,
                                       DType::kFloat64};
constexpr const char* kPython = "/usr/bin/python3";

// Gives every test its own scratch directory so tests can run in parallel.
class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / (std::string("sinkattn_npy_") + info->test_suite_name() +
                                        "_" + info->name() + "_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write_raw(const std::string& name, const std::string& bytes) const {
    const std::string p = path(name);
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  // A .npy file with the given header text taken verbatim (no padding added), so tests
  // control every byte.
  std::string write_npy(const std::string& name, const std::string& header,
                        const std::string& data, int major = 1) const {
    std::string bytes = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    for (std::size_t i = 0; i < len_bytes; ++i) {
      bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
    }
    return write_raw(name, bytes + header + data);
  }

  fs::path dir_;
};

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Runs read() and checks that it fails with an InputError naming the file and `field`
// whose message contains `reason`.
void expect_input_error(const std::string& p, const std::string& field, const std::string& reason,
                        const std::vector<DType>& allowed = kAllDTypes) {
  try {
    read(p, allowed);
    ADD_FAILURE() << "read(" << p << ") succeeded; expected " << field << ": " << reason;
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), p);
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << reason;
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

std::string header(const std::string& descr, const std::string& shape,
                   const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape +
         ", }\n";
}

bool python_has_numpy() {
  return std::system((std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
}

// ---------------------------------------------------------------- dtype basics

TEST(NpyDType, NamesAndSizes) {
  EXPECT_STREQ(dtype_name(DType::kFloat32), "float32");
  EXPECT_STREQ(dtype_name(DType::kFloat16), "float16");
  EXPECT_STREQ(dtype_name(DType::kInt8), "int8");
  EXPECT_STREQ(dtype_name(DType::kUInt8), "uint8");
  EXPECT_STREQ(dtype_name(DType::kInt16), "int16");
  EXPECT_STREQ(dtype_name(DType::kInt32), "int32");
  EXPECT_STREQ(dtype_name(DType::kFloat64), "float64");
  EXPECT_EQ(dtype_size(DType::kFloat32), 4u);
  EXPECT_EQ(dtype_size(DType::kFloat16), 2u);
  EXPECT_EQ(dtype_size(DType::kInt8), 1u);
  EXPECT_EQ(dtype_size(DType::kUInt8), 1u);
  EXPECT_EQ(dtype_size(DType::kInt16), 2u);
  EXPECT_EQ(dtype_size(DType::kInt32), 4u);
  EXPECT_EQ(dtype_size(DType::kFloat64), 8u);
}

TEST(NpyArray, NumElements) {
  EXPECT_EQ((Array{DType::kInt8, {}, {}}).num_elements(), 1u);
  EXPECT_EQ((Array{DType::kInt8, {0}, {}}).num_elements(), 0u);
  EXPECT_EQ((Array{DType::kInt8, {2, 3, 4}, {}}).num_elements(), 24u);
}

// ---------------------------------------------------------------- round trips

TEST_F(NpyTest, RoundTripEveryDTypeAndShape) {
  const std::vector<std::vector<std::size_t>> shapes = {
      {}, {0}, {1}, {7}, {2, 3}, {3, 0, 2}, {0, 0}, {2, 3, 4, 5}};
  for (DType dtype : kAllDTypes) {
    for (const auto& shape : shapes) {
      Array a{dtype, shape, {}};
      a.data.resize(a.num_elements() * dtype_size(dtype));
      for (std::size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<std::uint8_t>(i * 37 + 11);
      const std::string p = path("a.npy");
      write(p, dtype, shape, a.data.data());

      const std::string bytes = read_file(p);
      const std::size_t header_len = static_cast<unsigned char>(bytes[8]) |
                                     static_cast<unsigned char>(bytes[9]) << 8;
      EXPECT_EQ((10 + header_len) % 64, 0u) << "data must start 64-byte aligned";
      EXPECT_EQ(bytes[9 + header_len], '\n');

      const Array b = read(p, {dtype});
      EXPECT_EQ(b.dtype, dtype);
      EXPECT_EQ(b.shape, shape);
      EXPECT_EQ(b.data, a.data) << dtype_name(dtype);
    }
  }
}

TEST_F(NpyTest, WriteAcceptsNullDataForEmptyArray) {
  const std::string p = path("empty.npy");
  write(p, DType::kFloat32, {4, 0}, nullptr);
  const Array a = read(p, {DType::kFloat32});
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{4, 0}));
  EXPECT_TRUE(a.data.empty());
  EXPECT_THROW(write(p, DType::kFloat32, {1}, nullptr), std::invalid_argument);
}

TEST_F(NpyTest, WriteFailureIsRuntimeErrorNotInputError) {
  const float x = 1.0f;
  const std::string p = path("no_such_dir/x.npy");
  try {
    write(p, DType::kFloat32, {1}, &x);
    ADD_FAILURE() << "write to a missing directory succeeded";
  } catch (const InputError& e) {
    ADD_FAILURE() << "write threw InputError: " << e.what();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST_F(NpyTest, ToFloatConvertsEveryDType) {
  auto bytes_of = [](const auto& values) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(values.data());
    return std::vector<std::uint8_t>(p, p + values.size() * sizeof(values[0]));
  };
  const std::vector<std::int8_t> i8 = {-128, -1, 0, 1, 127};
  const std::vector<std::uint8_t> u8 = {0, 1, 128, 255};
  const std::vector<std::int16_t> i16 = {-32768, -1, 0, 32767};
  const std::vector<std::int32_t> i32 = {std::numeric_limits<std::int32_t>::min(), -5, 0, 16777216};
  const std::vector<float> f32 = {-1.5f, 0.0f, 3.25e-20f, std::numeric_limits<float>::infinity()};
  const std::vector<double> f64 = {-1.5, 0.1, 1e300};
  const std::vector<std::uint16_t> f16 = {0x3c00, 0xc000, 0x0001, 0x03ff, 0x7bff, 0x7c00, 0xfc00, 0x8000};

  EXPECT_EQ((Array{DType::kInt8, {5}, bytes_of(i8)}).to_float(),
            (std::vector<float>{-128, -1, 0, 1, 127}));
  EXPECT_EQ((Array{DType::kUInt8, {4}, bytes_of(u8)}).to_float(),
            (std::vector<float>{0, 1, 128, 255}));
  EXPECT_EQ((Array{DType::kInt16, {2, 2}, bytes_of(i16)}).to_float(),
            (std::vector<float>{-32768, -1, 0, 32767}));
  EXPECT_EQ((Array{DType::kInt32, {4}, bytes_of(i32)}).to_float(),
            (std::vector<float>{-2147483648.0f, -5, 0, 16777216}));
  EXPECT_EQ((Array{DType::kFloat32, {4}, bytes_of(f32)}).to_float(), f32);
  const std::vector<float> d = Array{DType::kFloat64, {3}, bytes_of(f64)}.to_float();
  EXPECT_EQ(d[0], -1.5f);
  EXPECT_EQ(d[1], 0.1f);
  EXPECT_TRUE(std::isinf(d[2]));  // out of float range
  const std::vector<float> h = Array{DType::kFloat16, {8}, bytes_of(f16)}.to_float();
  EXPECT_EQ(h, (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), std::ldexp(1023.0f, -24),
                                   65504.0f, std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(), -0.0f}));
  EXPECT_TRUE(std::signbit(h[7]));

  EXPECT_THROW((Array{DType::kFloat32, {3}, std::vector<std::uint8_t>(8)}).to_float(),
               std::invalid_argument);
}

// ---------------------------------------------------------------- half conversion

TEST(NpyHalf, ExhaustiveRoundTrip) {
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    const float f = half_to_float(h);
    const bool half_is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
    if (half_is_nan) {
      ASSERT_TRUE(std::isnan(f)) << std::hex << bits;
      const std::uint16_t back = float_to_half(f);
      ASSERT_TRUE((back & 0x7c00) == 0x7c00 && (back & 0x03ff) != 0) << std::hex << bits;
    } else {
      ASSERT_FALSE(std::isnan(f)) << std::hex << bits;
      ASSERT_EQ(float_to_half(f), h) << std::hex << bits;
    }
  }
}

TEST(NpyHalf, DecodesExactly) {
  EXPECT_EQ(half_to_float(0x0000), 0.0f);
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0x3555), 0x555 * std::ldexp(1.0f, -12) + 0.0f);  // 0.333251953125
  EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));                // smallest normal
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));                // smallest subnormal
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0xfbff), -65504.0f);
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7c01)));  // signaling NaN
}

// For every pair of adjacent non-negative halves, the midpoint rounds to the even one and
// anything just off the midpoint rounds to the nearer one; negatives mirror positives.
TEST(NpyHalf, RoundsToNearestEvenEverywhere) {
  for (std::uint16_t lo = 0; lo < 0x7c00; ++lo) {
    const std::uint16_t hi = static_cast<std::uint16_t>(lo + 1);  // 0x7c00 is inf
    const double a = half_to_float(lo);
    const double b = hi == 0x7c00 ? 65536.0 : half_to_float(hi);
    const float mid = static_cast<float>((a + b) / 2);  // exact: needs 12 significant bits
    ASSERT_EQ(static_cast<double>(mid), (a + b) / 2);
    const std::uint16_t even = (lo & 1) ? hi : lo;
    ASSERT_EQ(float_to_half(mid), even) << std::hex << lo;
    ASSERT_EQ(float_to_half(-mid), even | 0x8000) << std::hex << lo;
    ASSERT_EQ(float_to_half(std::nextafter(mid, 0.0f)), lo) << std::hex << lo;
    ASSERT_EQ(float_to_half(std::nextafter(mid, 1e30f)), hi) << std::hex << lo;
  }
}

TEST(NpyHalf, EdgeCases) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(float_to_half(inf), 0x7c00);
  EXPECT_EQ(float_to_half(-inf), 0xfc00);
  EXPECT_EQ(float_to_half(1e10f), 0x7c00);
  EXPECT_EQ(float_to_half(65519.996f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie between 0 and 2^-24
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);
  const std::uint16_t nan = float_to_half(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE((nan & 0x7c00) == 0x7c00 && (nan & 0x3ff) != 0);
  // A float NaN whose payload lives only in the low 13 bits must not become inf.
  std::uint32_t low_payload_bits = 0x7f800001u;
  float low_payload;
  std::memcpy(&low_payload, &low_payload_bits, sizeof low_payload);
  EXPECT_NE(float_to_half(low_payload) & 0x3ff, 0);
}

// ---------------------------------------------------------------- accepted variants

TEST_F(NpyTest, AcceptsHeaderVariantsNumpyCanProduce) {
  const std::string one_f32("\x00\x00\x80\x3f", 4);  // 1.0f
  struct Case {
    std::string header;
    std::vector<std::size_t> shape;
  };
  const std::vector<Case> cases = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", {1}},
      {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1,)}", {1}},
      {"{'shape': (1, 1), 'descr': '<f4', 'fortran_order': False}   \n", {1, 1}},
      {"{'descr':'<f4','fortran_order':False,'shape':(1,1,)}", {1, 1}},
      {"  {'descr': '<f4',\n 'fortran_order': False,\n 'shape': ( 1 , )\n}\n", {1}},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", {}},
  };
  for (const Case& c : cases) {
    const Array a = read(write_npy("v.npy", c.header, one_f32), {DType::kFloat32});
    EXPECT_EQ(a.shape, c.shape) << c.header;
    EXPECT_EQ(a.to_float(), std::vector<float>{1.0f}) << c.header;
  }
}

TEST_F(NpyTest, AcceptsVersions2And3) {
  const std::string data("\x01\x00\x02\x00", 4);
  for (int major : {2, 3}) {
    const Array a = read(write_npy("v.npy", header("<i2", "(2,)"), data, major), {DType::kInt16});
    EXPECT_EQ(a.to_float(), (std::vector<float>{1, 2})) << major;
  }
}

TEST_F(NpyTest, AcceptsBothByteOrderMarksForOneByteTypes) {
  for (const char* descr : {"|i1", "<i1"}) {
    const Array a = read(write_npy("v.npy", header(descr, "(1,)"), "\xff"), {DType::kInt8});
    EXPECT_EQ(a.dtype, DType::kInt8);
    EXPECT_EQ(a.to_float(), std::vector<float>{-1.0f});
  }
  for (const char* descr : {"|u1", "<u1"}) {
    const Array a = read(write_npy("v.npy", header(descr, "(1,)"), "\xff"), {DType::kUInt8});
    EXPECT_EQ(a.to_float(), std::vector<float>{255.0f});
  }
}

// ---------------------------------------------------------------- malformed input

TEST_F(NpyTest, MissingFile) { expect_input_error(path("nope.npy"), "file", "cannot read"); }

TEST_F(NpyTest, DirectoryIsUnreadable) {
  fs::create_directory(path("d.npy"));
  expect_input_error(path("d.npy"), "file", "cannot read");
}

TEST_F(NpyTest, PermissionDenied) {
  const std::string p = write_npy("locked.npy", header("<f4", "()"), std::string(4, '\0'));
  fs::permissions(p, fs::perms::none);
  if (std::ifstream(p)) GTEST_SKIP() << "running with privileges that ignore file modes";
  expect_input_error(p, "file", "cannot open");
}

TEST_F(NpyTest, ShorterThanMagic) {
  expect_input_error(write_raw("short.npy", "\x93NUM"), "magic", "too short");
  expect_input_error(write_raw("empty.npy", ""), "magic", "only 0 bytes");
}

TEST_F(NpyTest, WrongMagic) {
  expect_input_error(write_raw("bad.npy", "PK\x03\x04 this is a zip file"), "magic",
                     "not a .npy file");
}

TEST_F(NpyTest, TruncatedVersionAndHeaderLength) {
  expect_input_error(write_raw("v.npy", std::string("\x93NUMPY\x01", 7)), "version",
                     "file ends");
  expect_input_error(write_raw("l.npy", std::string("\x93NUMPY\x02\x00\x10\x00", 10)),
                     "header_len", "file ends");
}

TEST_F(NpyTest, UnsupportedVersion) {
  for (const auto& v : {std::string("\x04\x00", 2), std::string("\x01\x01", 2),
                        std::string("\x00\x00", 2)}) {
    std::string bytes = std::string("\x93NUMPY", 6) + v + std::string("\x10\x00", 2) +
                        header("<f4", "()");
    expect_input_error(write_raw("v.npy", bytes), "version", "unsupported .npy format version");
  }
}

TEST_F(NpyTest, HeaderLengthPastEndOfFile) {
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + std::string("\xff\x00", 2) + "{}";
  expect_input_error(write_raw("h.npy", bytes), "header_len",
                     "header length 255 runs past the end of the file (only 2 bytes");
}

TEST_F(NpyTest, HeaderLengthOverLimit) {
  const std::string big = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" +
                          std::string(20000, ' ') + "\n";
  expect_input_error(write_npy("h.npy", big, std::string(4, '\0'), 2), "header_len",
                     "exceeds the limit");
}

TEST_F(NpyTest, HeaderSyntaxErrors) {
  struct Case {
    std::string header, field, reason;
  };
  const std::vector<Case> cases = {
      {"", "header", "must start with '{'"},
      {"['descr', '<f4']", "header", "must start with '{'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", "header",
       "expected ',' or '}'"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", "header", "expected ':'"},
      {"{'descr': '<f4',, 'fortran_order': False, 'shape': (2,)}", "header",
       "expected a quoted key"},
      {"{descr: '<f4', 'fortran_order': False, 'shape': (2,)}", "header",
       "expected a quoted key"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}", "header",
       "expected ',' or '}' after the value of 'descr'"},
      {"{'descr': '<f4", "header.descr", "unterminated string"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "header",
       "unexpected text after the closing '}'"},
      {"{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (2,)}", "header.descr",
       "escape sequences"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", "header.descr",
       "structured"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "header.fortran_order",
       "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", "header.fortran_order",
       "expected True or False"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    expect_input_error(write_npy("s.npy", c.header, std::string(8, '\0')), c.field, c.reason);
  }
}

TEST_F(NpyTest, HeaderKeys) {
  const std::string data(8, '\0');
  expect_input_error(write_npy("k.npy", "{'descr': '<f4', 'shape': (2,)}", data), "header",
                     "missing key 'fortran_order'");
  expect_input_error(write_npy("k.npy", "{'fortran_order': False, 'shape': (2,)}", data),
                     "header", "missing key 'descr'");
  expect_input_error(write_npy("k.npy", "{'descr': '<f4', 'fortran_order': False}", data),
                     "header", "missing key 'shape'");
  expect_input_error(write_npy("k.npy", "{}", data), "header", "missing key");
  expect_input_error(
      write_npy("k.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
                data),
      "header", "unexpected key 'x'");
  expect_input_error(
      write_npy("k.npy", "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
                data),
      "header", "duplicate key 'descr'");
}

TEST_F(NpyTest, BigEndianDescr) {
  for (const char* descr : {">f4", ">f2", ">i2", ">i4", ">f8"}) {
    SCOPED_TRACE(descr);
    expect_input_error(write_npy("be.npy", header(descr, "(2,)"), std::string(16, '\0')),
                       "header.descr", "big-endian");
    expect_input_error(write_npy("be.npy", header(descr, "(2,)"), std::string(16, '\0')),
                       "header.descr", "save the array little-endian");
  }
}

TEST_F(NpyTest, UnknownDescr) {
  for (const char* descr : {"<i8", "<u2", "<c8", "|O", "<U4", "|b1", "f4", ""}) {
    SCOPED_TRACE(descr);
    expect_input_error(write_npy("u.npy", header(descr, "(2,)"), std::string(16, '\0')),
                       "header.descr", std::string("unsupported dtype '") + descr + "'");
  }
}

TEST_F(NpyTest, DescrNotAllowed) {
  const std::string p = write_npy("f8.npy", header("<f8", "(1,)"), std::string(8, '\0'));
  expect_input_error(p, "header.descr",
                     "dtype float64 ('<f8') is not accepted here; allowed: float32, float16",
                     {DType::kFloat32, DType::kFloat16});
  expect_input_error(p, "header.descr", "allowed: (none)", {});
  EXPECT_NO_THROW(read(p, {DType::kFloat64}));
}

TEST_F(NpyTest, FortranOrder) {
  expect_input_error(write_npy("f.npy", header("<f4", "(2, 2)", "True"), std::string(16, '\0')),
                     "header.fortran_order", "C-order");
}

TEST_F(NpyTest, MalformedShape) {
  for (const char* shape : {"[2, 3]", "(2 3)", "(2,,)", "(,)", "(2", "2", "(2)", "(0x10,)",
                            "(2.0,)", "('2',)", "(03,)", "(+2,)", "(None,)"}) {
    SCOPED_TRACE(shape);
    expect_input_error(write_npy("s.npy", header("<f4", shape), std::string(8, '\0')),
                       "header.shape", shape[0] == '(' ? "malformed tuple" : "expected a tuple");
  }
  expect_input_error(write_npy("s.npy", header("<f4", "(2)"), std::string(8, '\0')),
                     "header.shape", "a 1-D shape is written (2,)");
}

TEST_F(NpyTest, NegativeDimension) {
  expect_input_error(write_npy("n.npy", header("<f4", "(2, -3)"), ""), "header.shape",
                     "dimension 1 (-3) is negative");
}

TEST_F(NpyTest, ShapeOverflow) {
  expect_input_error(write_npy("o.npy", header("<f4", "(99999999999999999999999,)"), ""),
                     "header.shape", "overflows size_t");
  expect_input_error(write_npy("o.npy", header("<f4", "(4294967296, 4294967296)"), ""),
                     "header.shape", "overflows");
  // A zero dimension must not hide the overflow of the others (numpy rejects this too).
  expect_input_error(write_npy("o.npy", header("<i1", "(0, 4294967296, 4294967296)"), ""),
                     "header.shape", "overflows");
}

TEST_F(NpyTest, TruncatedData) {
  expect_input_error(write_npy("t.npy", header("<f4", "(2, 3)"), std::string(20, '\0')), "data",
                     "truncated: expected 24 bytes for shape (2, 3) of float32, file has 20");
  expect_input_error(write_npy("t.npy", header("<f2", "()"), ""), "data",
                     "expected 2 bytes for shape () of float16, file has 0");
}

TEST_F(NpyTest, TrailingBytes) {
  expect_input_error(write_npy("x.npy", header("<i2", "(3,)"), std::string(7, '\0')), "data",
                     "1 unexpected trailing bytes after the array data (expected 6 bytes");
  expect_input_error(write_npy("x.npy", header("<i2", "(0,)"), "junk"), "data",
                     "4 unexpected trailing bytes");
}

// ---------------------------------------------------------------- numpy interop

TEST_F(NpyTest, NumpyWritesCppReads) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " with numpy not available";
  std::ostringstream script;
  script << "import numpy as np\n"
         << "d = '" << dir_.string() << "/'\n"
         << "np.save(d + 'f32.npy', (np.arange(12, dtype=np.float32) * 0.5 - 2).reshape(3, 4))\n"
         << "np.save(d + 'f16.npy', np.array([[1, -2.5, 6.1e-5, 65504], [np.inf, -0.0, 1/3, 5.96e-8]],"
            " dtype=np.float16))\n"
         << "np.save(d + 'i8.npy', np.arange(-128, 128, dtype=np.int8).reshape(2, 2, 4, 16))\n"
         << "np.save(d + 'f32_4d.npy', np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5) / 7)\n"
         << "np.save(d + 'f32_0d.npy', np.float32(3.5))\n"
         << "np.save(d + 'f32_empty.npy', np.zeros((0, 3), np.float32))\n"
         << "for name, arr, version in [('v2', np.arange(3, dtype=np.int32), (2, 0)),\n"
         << "                           ('v3', np.arange(3, dtype=np.int16), (3, 0))]:\n"
         << "  with open(d + name + '.npy', 'wb') as f:\n"
         << "    np.lib.format.write_array(f, arr, version=version)\n";
  const std::string py = path("gen.py");
  std::ofstream(py) << script.str();
  ASSERT_EQ(std::system((std::string(kPython) + " " + py).c_str()), 0);

  const Array f32 = read(path("f32.npy"), {DType::kFloat32});
  EXPECT_EQ(f32.shape, (std::vector<std::size_t>{3, 4}));
  const std::vector<float> f = f32.to_float();
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(f[i], static_cast<float>(i) * 0.5f - 2) << i;

  const Array f16 = read(path("f16.npy"), {DType::kFloat16});
  EXPECT_EQ(f16.shape, (std::vector<std::size_t>{2, 4}));
  const std::vector<float> h = f16.to_float();
  const float expected[] = {1, -2.5f, half_to_float(float_to_half(6.1e-5f)), 65504,
                            std::numeric_limits<float>::infinity(), -0.0f,
                            half_to_float(float_to_half(1.0f / 3)), std::ldexp(1.0f, -24)};
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(h[i], expected[i]) << i;
  EXPECT_TRUE(std::signbit(h[5]));

  const Array i8 = read(path("i8.npy"), {DType::kInt8});
  EXPECT_EQ(i8.shape, (std::vector<std::size_t>{2, 2, 4, 16}));
  const std::vector<float> v = i8.to_float();
  for (std::size_t i = 0; i < 256; ++i) EXPECT_EQ(v[i], static_cast<float>(i) - 128) << i;

  const Array f4 = read(path("f32_4d.npy"), {DType::kFloat32});
  EXPECT_EQ(f4.shape, (std::vector<std::size_t>{2, 3, 4, 5}));
  const std::vector<float> g = f4.to_float();
  for (std::size_t i = 0; i < 120; ++i) EXPECT_EQ(g[i], static_cast<float>(i) / 7) << i;

  EXPECT_EQ(read(path("f32_0d.npy"), {DType::kFloat32}).to_float(), std::vector<float>{3.5f});
  EXPECT_EQ(read(path("f32_empty.npy"), {DType::kFloat32}).shape,
            (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(read(path("v2.npy"), {DType::kInt32}).to_float(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(read(path("v3.npy"), {DType::kInt16}).to_float(), (std::vector<float>{0, 1, 2}));
}

TEST_F(NpyTest, CppWritesNumpyReads) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " with numpy not available";
  std::vector<float> f32(2 * 3 * 4 * 5);
  for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<float>(i) / 7 - 3;
  std::vector<std::uint16_t> f16(6);
  for (std::size_t i = 0; i < f16.size(); ++i) f16[i] = float_to_half(static_cast<float>(i) / 3);
  std::vector<std::int8_t> i8(256);
  for (std::size_t i = 0; i < i8.size(); ++i) i8[i] = static_cast<std::int8_t>(i - 128);
  const float scalar = -0.25f;

  write(path("f32.npy"), DType::kFloat32, {2, 3, 4, 5}, f32.data());
  write(path("f16.npy"), DType::kFloat16, {2, 3}, f16.data());
  write(path("i8.npy"), DType::kInt8, {16, 16}, i8.data());
  write(path("scalar.npy"), DType::kFloat32, {}, &scalar);
  write(path("empty.npy"), DType::kInt16, {0, 5}, nullptr);

  // numpy must read the values back and, saving the same arrays itself, produce
  // byte-identical files (same header text, padding and alignment).
  std::ostringstream script;
  script << "import numpy as np, io, sys\n"
         << "d = '" << dir_.string() << "/'\n"
         << "exp = {\n"
         << "  'f32': (np.arange(120, dtype=np.float32) / np.float32(7) - np.float32(3))"
            ".reshape(2, 3, 4, 5),\n"
         << "  'f16': (np.arange(6, dtype=np.float32) / np.float32(3)).astype(np.float16)"
            ".reshape(2, 3),\n"
         << "  'i8': np.arange(-128, 128, dtype=np.int8).reshape(16, 16),\n"
         << "  'scalar': np.array(-0.25, dtype=np.float32),\n"
         << "  'empty': np.zeros((0, 5), np.int16),\n"
         << "}\n"
         << "for name, want in exp.items():\n"
         << "  got = np.load(d + name + '.npy')\n"
         << "  assert got.dtype == want.dtype and got.shape == want.shape, (name, got.dtype, got.shape)\n"
         << "  assert np.array_equal(got, want), name\n"
         << "  buf = io.BytesIO(); np.save(buf, want)\n"
         << "  assert open(d + name + '.npy', 'rb').read() == buf.getvalue(), name + ' bytes differ'\n"
         << "print('ok')\n";
  const std::string py = path("check.py");
  std::ofstream(py) << script.str();
  EXPECT_EQ(std::system((std::string(kPython) + " " + py).c_str()), 0);
}

}  // namespace
}  // namespace sinkattn::npy
