#include "sinkattn/npy.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <utility>

#include "sinkattn/error.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

// Element bytes are copied between files and host memory without swapping, which is only
// correct on a little-endian host. Fail the build rather than produce wrong numbers.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sinkattn::npy assumes a little-endian host"
#endif

namespace sinkattn::npy {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kArrayAlign = 64;        // numpy's ARRAY_ALIGN
constexpr std::size_t kGrowthAxisDigits = 21;  // numpy's GROWTH_AXIS_MAX_DIGITS
// numpy refuses longer headers by default (max_header_size); ours never need more, and
// the cap stops a corrupt length from making us allocate and parse gigabytes.
constexpr std::size_t kMaxHeaderLen = 10000;

// The descriptors this reader accepts. numpy writes 1-byte types with '|' but reads
// '<' too, so both spellings are listed; the first entry per dtype is what we write.
struct DescrInfo {
  const char* descr;
  DType dtype;
};
constexpr DescrInfo kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f2", DType::kFloat16}, {"|i1", DType::kInt8},
    {"<i1", DType::kInt8},    {"|u1", DType::kUInt8},   {"<u1", DType::kUInt8},
    {"<i2", DType::kInt16},   {"<i4", DType::kInt32},   {"<f8", DType::kFloat64},
};

const char* descr_of(DType dtype) {
  for (const DescrInfo& d : kDescrs) {
    if (d.dtype == dtype) return d.descr;
  }
  throw std::invalid_argument("npy: invalid DType");
}

// Python's repr of a shape tuple: "()", "(3,)", "(2, 3)".
std::string shape_repr(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

// Byte count of an array, or false if it overflows size_t. Zero-length dimensions do not
// hide an overflow in the others, matching numpy's "array is too big" check.
bool checked_byte_count(const std::vector<std::size_t>& shape, std::size_t itemsize,
                        std::size_t* bytes) {
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  std::size_t nonzero = itemsize;
  bool has_zero = false;
  for (std::size_t d : shape) {
    if (d == 0) {
      has_zero = true;
    } else if (nonzero > kMax / d) {
      return false;
    } else {
      nonzero *= d;
    }
  }
  *bytes = has_zero ? 0 : nonzero;
  return true;
}

// Shows arbitrary file bytes readably in an error message.
std::string escape_bytes(const std::string& bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      s += static_cast<char>(c);
    } else {
      s += "\\x";
      s += kHex[c >> 4];
      s += kHex[c & 0xf];
    }
  }
  return s;
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// Parses the header dict literal. Accepts the subset of Python literal syntax that numpy
// writes for these three keys (any spacing, trailing commas, either quote style); anything
// else is reported with the offending field and offset rather than guessed at.
class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_ws();
    expect('{', "header", "the header must start with '{'");
    while (true) {
      skip_ws();
      if (consume('}')) break;
      const std::size_t key_pos = pos_;
      const std::string key = parse_string("header", "expected a quoted key or '}'");
      bool* seen = key == "descr"           ? &seen_descr
                   : key == "fortran_order" ? &seen_fortran
                   : key == "shape"         ? &seen_shape
                                            : nullptr;
      if (seen == nullptr) {
        fail_at(key_pos, "header",
                "unexpected key '" + key +
                    "' (a .npy header has exactly the keys 'descr', 'fortran_order', 'shape')");
      }
      if (*seen) fail_at(key_pos, "header", "duplicate key '" + key + "'");
      *seen = true;
      skip_ws();
      expect(':', "header", "expected ':' after key '" + key + "'");
      skip_ws();
      if (key == "descr") {
        h.descr = parse_string("header.descr",
                               "expected a quoted dtype string such as '<f4' (structured "
                               "and object dtypes are not supported)");
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
      } else {
        h.shape = parse_shape();
      }
      skip_ws();
      if (consume(',')) continue;
      expect('}', "header", "expected ',' or '}' after the value of '" + key + "'");
      break;
    }
    skip_ws();
    if (pos_ != text_.size()) fail_at(pos_, "header", "unexpected text after the closing '}'");
    if (!seen_descr) fail("header", "missing key 'descr'");
    if (!seen_fortran) fail("header", "missing key 'fortran_order'");
    if (!seen_shape) fail("header", "missing key 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& reason) const {
    throw InputError(path_, field, reason);
  }
  [[noreturn]] void fail_at(std::size_t pos, const std::string& field,
                            const std::string& reason) const {
    // Quote the header so the user sees what was wrong, but not a corrupt megabyte of it.
    constexpr std::size_t kShown = 200;
    std::string shown = escape_bytes(text_.substr(0, kShown));
    if (text_.size() > kShown) shown += "...";
    fail(field, reason + " at header offset " + std::to_string(pos) + " in \"" + shown + "\"");
  }

  // Python whitespace between tokens; numpy pads with spaces and ends with '\n'.
  void skip_ws() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consume(const char* word) {
    const std::size_t n = std::strlen(word);
    if (text_.compare(pos_, n, word) != 0) return false;
    // "Truex" is an identifier, not the literal True.
    if (pos_ + n < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[pos_ + n])) || text_[pos_ + n] == '_')) {
      return false;
    }
    pos_ += n;
    return true;
  }
  void expect(char c, const std::string& field, const std::string& reason) {
    if (!consume(c)) fail_at(pos_, field, reason);
  }

  // A single- or double-quoted string without escapes (numpy never writes any).
  std::string parse_string(const std::string& field, const std::string& reason) {
    const std::size_t start = pos_;
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      fail_at(pos_, field, reason);
    }
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string::npos) fail_at(start, field, "unterminated string");
    std::string s = text_.substr(pos_, end - pos_);
    if (s.find('\\') != std::string::npos || s.find('\n') != std::string::npos) {
      fail_at(start, field, "escape sequences and newlines in strings are not supported");
    }
    pos_ = end + 1;
    return s;
  }

  bool parse_bool() {
    if (consume("True")) return true;
    if (consume("False")) return false;
    fail_at(pos_, "header.fortran_order", "expected True or False");
  }

  // A tuple of non-negative decimal ints: "()", "(3,)", "(2, 3)", "(2, 3,)". "(3)" is an
  // int in Python, not a tuple, so it is rejected like numpy does.
  std::vector<std::size_t> parse_shape() {
    const std::size_t start = pos_;
    expect('(', "header.shape", "expected a tuple such as (2, 3)");
    std::vector<std::size_t> dims;
    skip_ws();
    if (consume(')')) return dims;
    while (true) {
      dims.push_back(parse_dim(dims.size()));
      skip_ws();
      if (consume(',')) {
        skip_ws();
        if (consume(')')) return dims;
        continue;
      }
      if (consume(')')) {
        if (dims.size() == 1) {
          fail_at(start, "header.shape",
                  "malformed tuple: (" + std::to_string(dims[0]) +
                      ") is not a tuple; a 1-D shape is written (" +
                      std::to_string(dims[0]) + ",)");
        }
        return dims;
      }
      fail_at(pos_, "header.shape", "malformed tuple: expected ',' or ')' after a dimension");
    }
  }

  std::size_t parse_dim(std::size_t index) {
    const std::size_t start = pos_;
    const bool negative = consume('-');
    const std::size_t digits_start = pos_;
    std::size_t value = 0;
    bool overflow = false;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const std::size_t digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) overflow = true;
      value = value * 10 + digit;
      ++pos_;
    }
    const std::size_t ndigits = pos_ - digits_start;
    const std::string literal = text_.substr(start, pos_ - start);
    if (ndigits == 0) {
      fail_at(pos_, "header.shape", "malformed tuple: expected an integer dimension");
    }
    // Python 3 rejects leading zeros ("03") as a syntax error.
    if (ndigits > 1 && text_[digits_start] == '0') {
      fail_at(start, "header.shape", "malformed tuple: invalid integer '" + literal + "'");
    }
    const std::string which = "dimension " + std::to_string(index) + " (" + literal + ")";
    if (negative && (overflow || value != 0)) fail("header.shape", which + " is negative");
    if (overflow) fail("header.shape", which + " overflows size_t");
    return value;
  }

  const std::string& path_;
  const std::string& text_;
  std::size_t pos_ = 0;
};

// Maps a descr to a dtype, explaining why a descr is rejected.
DType dtype_from_descr(const std::string& path, const std::string& descr) {
  for (const DescrInfo& d : kDescrs) {
    if (descr == d.descr) return d.dtype;
  }
  if (!descr.empty() && descr[0] == '>') {
    throw InputError(path, "header.descr",
                     "big-endian data ('" + descr +
                         "') is not supported; save the array little-endian, e.g. "
                         "np.save(path, arr.astype('<" +
                         descr.substr(1) + "'))");
  }
  std::string supported;
  for (const DescrInfo& d : kDescrs) {
    if (!supported.empty()) supported += ", ";
    supported += std::string("'") + d.descr + "' (" + dtype_name(d.dtype) + ")";
  }
  throw InputError(path, "header.descr",
                   "unsupported dtype '" + escape_bytes(descr) + "'; supported: " + supported);
}

std::size_t read_le(const unsigned char* p, std::size_t n) {
  std::size_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kFloat64: return "float64";
  }
  throw std::invalid_argument("npy: invalid DType");
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kUInt8: return 1;
    case DType::kFloat16:
    case DType::kInt16: return 2;
    case DType::kFloat32:
    case DType::kInt32: return 4;
    case DType::kFloat64: return 8;
  }
  throw std::invalid_argument("npy: invalid DType");
}

std::size_t Array::num_elements() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

namespace {
template <typename T>
void convert(const std::uint8_t* bytes, std::size_t n, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}
}  // namespace

void to_float(DType dtype, const std::uint8_t* bytes, std::size_t n, float* out) {
  switch (dtype) {
    case DType::kFloat32: convert<float>(bytes, n, out); break;
    case DType::kFloat64: convert<double>(bytes, n, out); break;
    case DType::kInt8: convert<std::int8_t>(bytes, n, out); break;
    case DType::kUInt8: convert<std::uint8_t>(bytes, n, out); break;
    case DType::kInt16: convert<std::int16_t>(bytes, n, out); break;
    case DType::kInt32: convert<std::int32_t>(bytes, n, out); break;
    case DType::kFloat16:
      for (std::size_t i = 0; i < n; ++i) out[i] = half_to_float(static_cast<std::uint16_t>(read_le(&bytes[2 * i], 2)));
      break;
  }
}

std::vector<float> Array::to_float() const {
  const std::size_t n = num_elements();
  std::size_t bytes = 0;
  if (!checked_byte_count(shape, dtype_size(dtype), &bytes) || bytes != data.size()) {
    throw std::invalid_argument("npy: Array data size does not match its shape and dtype");
  }
  std::vector<float> out(n);
  npy::to_float(dtype, data.data(), n, out.data());
  return out;
}

namespace {

// What the preamble and header of a valid file say: the array's dtype and shape, and where its
// data starts. Every size is checked against the file's size before anything is allocated.
struct Layout {
  DType dtype = DType::kFloat32;
  std::vector<std::size_t> shape;
  std::size_t data_offset = 0;
  std::size_t data_bytes = 0;
};

Layout read_layout(const std::string& path, std::ifstream& in, const std::vector<DType>& allowed) {
  std::error_code ec;
  const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(path, "file", "cannot read: " + ec.message());
  in.open(path, std::ios::binary);
  if (!in) throw InputError(path, "file", std::string("cannot open: ") + std::strerror(errno));

  // Reads exactly n bytes of the preamble/header; the sizes are checked against
  // file_size first, so a failure here means the file changed or an I/O error.
  auto read_bytes = [&](std::size_t n, const char* field) {
    std::string buf(n, '\0');
    if (!in.read(&buf[0], static_cast<std::streamsize>(n))) {
      throw InputError(path, field, "read failed (file changed or I/O error)");
    }
    return buf;
  };

  if (file_size < kMagicLen) {
    throw InputError(path, "magic",
                     "file is only " + std::to_string(file_size) +
                         " bytes, too short for the 6-byte .npy magic string \\x93NUMPY");
  }
  const std::string magic = read_bytes(kMagicLen, "magic");
  if (magic != std::string(kMagic, kMagicLen)) {
    throw InputError(path, "magic",
                     "not a .npy file: expected \\x93NUMPY, found " + escape_bytes(magic));
  }

  if (file_size < kMagicLen + 2) {
    throw InputError(path, "version", "file ends inside the format version bytes");
  }
  const std::string version = read_bytes(2, "version");
  const int major = static_cast<unsigned char>(version[0]);
  const int minor = static_cast<unsigned char>(version[1]);
  if (major < 1 || major > 3 || minor != 0) {
    throw InputError(path, "version",
                     "unsupported .npy format version " + std::to_string(major) + "." +
                         std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  }

  // Version 1.0 stores the header length in 2 bytes; 2.0 and 3.0 use 4.
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t header_start = kMagicLen + 2 + len_bytes;
  if (file_size < header_start) {
    throw InputError(path, "header_len", "file ends inside the header length field");
  }
  const std::string len_field = read_bytes(len_bytes, "header_len");
  const std::size_t header_len =
      read_le(reinterpret_cast<const unsigned char*>(len_field.data()), len_bytes);
  const std::uintmax_t after_preamble = file_size - header_start;
  if (header_len > after_preamble) {
    throw InputError(path, "header_len",
                     "header length " + std::to_string(header_len) +
                         " runs past the end of the file (only " +
                         std::to_string(after_preamble) + " bytes follow the preamble)");
  }
  if (header_len > kMaxHeaderLen) {
    throw InputError(path, "header_len",
                     "header length " + std::to_string(header_len) + " exceeds the limit of " +
                         std::to_string(kMaxHeaderLen) + " bytes (numpy's max_header_size)");
  }
  const std::string text = read_bytes(header_len, "header");
  const Header header = HeaderParser(path, text).parse();

  Layout array;
  array.dtype = dtype_from_descr(path, header.descr);
  bool ok = false;
  for (DType d : allowed) ok = ok || d == array.dtype;
  if (!ok) {
    std::string names;
    for (DType d : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(d);
    throw InputError(path, "header.descr",
                     std::string("dtype ") + dtype_name(array.dtype) + " ('" + header.descr +
                         "') is not accepted here; allowed: " +
                         (names.empty() ? "(none)" : names));
  }
  if (header.fortran_order) {
    throw InputError(path, "header.fortran_order",
                     "Fortran-order arrays are not supported; save a C-order array, e.g. "
                     "np.save(path, np.ascontiguousarray(arr))");
  }
  array.shape = header.shape;
  std::size_t expected = 0;
  if (!checked_byte_count(array.shape, dtype_size(array.dtype), &expected)) {
    throw InputError(path, "header.shape",
                     "shape " + shape_repr(array.shape) + " of " + dtype_name(array.dtype) +
                         " overflows: the byte count does not fit in size_t");
  }

  const std::uintmax_t actual = after_preamble - header_len;
  const std::string what = std::to_string(expected) + " bytes for shape " +
                           shape_repr(array.shape) + " of " + dtype_name(array.dtype);
  if (actual < expected) {
    throw InputError(path, "data",
                     "truncated: expected " + what + ", file has " + std::to_string(actual));
  }
  if (actual > expected) {
    throw InputError(path, "data",
                     std::to_string(actual - expected) +
                         " unexpected trailing bytes after the array data (expected " + what +
                         ", file has " + std::to_string(actual) + ")");
  }
  array.data_offset = static_cast<std::size_t>(header_start + header_len);
  array.data_bytes = expected;
  return array;
}

}  // namespace

Array read(const std::string& path, const std::vector<DType>& allowed) {
  std::ifstream in;
  const Layout layout = read_layout(path, in, allowed);
  Array array;
  array.dtype = layout.dtype;
  array.shape = layout.shape;
  const std::size_t expected = layout.data_bytes;
  // One bulk read straight into the result buffer.
  array.data.resize(expected);
  if (expected > 0 &&
      !in.read(reinterpret_cast<char*>(array.data.data()), static_cast<std::streamsize>(expected))) {
    throw InputError(path, "data",
                     "read failed after " + std::to_string(in.gcount()) + " of " +
                         std::to_string(expected) + " bytes (file changed or I/O error)");
  }
  return array;
}

MappedArray map(const std::string& path, const std::vector<DType>& allowed) {
  MappedArray m;
  {
    std::ifstream in;
    const Layout layout = read_layout(path, in, allowed);
    m.dtype_ = layout.dtype;
    m.shape_ = layout.shape;
    m.offset_ = layout.data_offset;
    m.bytes_ = layout.data_bytes;
  }
  if (m.bytes_ == 0) return m;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, "file", std::string("cannot open: ") + std::strerror(errno));
  m.map_len_ = m.offset_ + m.bytes_;
  void* p = ::mmap(nullptr, m.map_len_, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    m.map_len_ = 0;
    throw InputError(path, "file", std::string("cannot map: ") + std::strerror(map_errno));
  }
  m.base_ = static_cast<std::uint8_t*>(p);
  // Trace passes read each (layer, head) slice front to back.
  ::madvise(p, m.map_len_, MADV_SEQUENTIAL);
  return m;
}

MappedArray::~MappedArray() {
  if (base_ != nullptr) ::munmap(base_, map_len_);
}

MappedArray::MappedArray(MappedArray&& o) noexcept { *this = std::move(o); }

MappedArray& MappedArray::operator=(MappedArray&& o) noexcept {
  if (this != &o) {
    if (base_ != nullptr) ::munmap(base_, map_len_);
    dtype_ = o.dtype_;
    shape_ = std::move(o.shape_);
    base_ = std::exchange(o.base_, nullptr);
    map_len_ = std::exchange(o.map_len_, 0);
    offset_ = o.offset_;
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

std::size_t MappedArray::num_elements() const {
  std::size_t n = 1;
  for (std::size_t d : shape_) n *= d;
  return n;
}

void MappedArray::release(std::size_t offset, std::size_t len) const {
  if (base_ == nullptr || len == 0) return;
  // Whole pages inside the range only: a page shared with a neighbouring slice stays.
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t begin = (offset_ + offset + page - 1) / page * page;
  const std::size_t end = std::min(offset_ + offset + len, map_len_) / page * page;
  if (end > begin) ::madvise(base_ + begin, end - begin, MADV_DONTNEED);
}

Writer::Writer(const std::string& path, DType dtype, const std::vector<std::size_t>& shape) : path_(path) {
  if (!checked_byte_count(shape, dtype_size(dtype), &expected_)) {
    throw std::invalid_argument("npy::write: byte count of shape " + shape_repr(shape) +
                                " overflows size_t");
  }
  // Same text and padding as numpy's _write_array_header/_wrap_header, including the spare
  // spaces numpy leaves so the first dimension can grow in place.
  std::string header = std::string("{'descr': '") + descr_of(dtype) +
                       "', 'fortran_order': False, 'shape': " + shape_repr(shape) + ", }";
  if (!shape.empty()) header.append(kGrowthAxisDigits - std::to_string(shape[0]).size(), ' ');
  const std::size_t hlen = header.size() + 1;  // + the final '\n'
  const std::size_t pad = kArrayAlign - (kMagicLen + 2 + 2 + hlen) % kArrayAlign;
  header.append(pad, ' ');
  header += '\n';
  if (header.size() > 0xffff) {
    throw std::invalid_argument("npy::write: header too long for format 1.0 (too many dims)");
  }

  out_.open(path, std::ios::binary | std::ios::trunc);
  if (!out_) {
    throw std::runtime_error("npy::write: cannot open " + path + " for writing: " +
                             std::strerror(errno));
  }
  const char preamble[] = {kMagic[0], kMagic[1], kMagic[2], kMagic[3], kMagic[4], kMagic[5],
                           1,         0,
                           static_cast<char>(header.size() & 0xff),
                           static_cast<char>(header.size() >> 8)};
  out_.write(preamble, sizeof(preamble));
  out_.write(header.data(), static_cast<std::streamsize>(header.size()));
}

void Writer::append(const void* bytes, std::size_t n) {
  if (n > expected_ - written_)
    throw std::logic_error("npy::Writer: more data than the shape of " + path_ + " holds");
  if (n > 0 && bytes == nullptr) throw std::invalid_argument("npy::write: data is null");
  if (n > 0) out_.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
  written_ += n;
}

void Writer::finish() {
  if (written_ != expected_)
    throw std::logic_error("npy::Writer: " + std::to_string(written_) + " of " + std::to_string(expected_) +
                           " data bytes of " + path_ + " written");
  out_.close();  // flushes; a full disk shows up here
  if (!out_) throw std::runtime_error("npy::write: writing " + path_ + " failed");
}

void write(const std::string& path, DType dtype, const std::vector<std::size_t>& shape,
           const void* data) {
  Writer w(path, dtype, shape);
  w.append(data, w.data_bytes());
  w.finish();
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24 is exact in float.
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf, or NaN keeping its payload
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);  // rebias the exponent
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::uint16_t float_to_half(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t abs = x & 0x7fffffffu;

  if (abs > 0x7f800000u) {
    // NaN: keep the top payload bits; if they are all zero the result would read as inf,
    // so set the quiet bit.
    const std::uint32_t payload = (abs & 0x7fffffu) >> 13;
    return static_cast<std::uint16_t>(sign | 0x7c00u | (payload ? payload : 0x200u));
  }
  // 65520 is halfway between the largest half (65504) and 2^16; ties-to-even and anything
  // above round to inf.
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);

  std::uint32_t h;        // result magnitude before rounding
  std::uint32_t rem;      // discarded low bits
  std::uint32_t halfway;  // value of rem at exactly half an ulp
  if (abs >= 0x38800000u) {
    // Normal half (>= 2^-14): rebias the exponent and drop 13 mantissa bits.
    h = (abs - ((127u - 15u) << 23)) >> 13;
    rem = abs & 0x1fffu;
    halfway = 0x1000u;
  } else {
    // Subnormal half: the result counts units of 2^-24. Below 2^-25 everything rounds to 0.
    const std::uint32_t exp = abs >> 23;
    if (exp < 102) return sign;  // 2^(102-127) = 2^-25
    const std::uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const std::uint32_t shift = 126 - exp;  // 14..24
    h = mant >> shift;
    rem = mant & ((1u << shift) - 1);
    halfway = 1u << (shift - 1);
  }
  // Round to nearest, ties to even. A carry out of the mantissa correctly bumps the
  // exponent (e.g. largest subnormal -> smallest normal).
  if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

}  // namespace sinkattn::npy
