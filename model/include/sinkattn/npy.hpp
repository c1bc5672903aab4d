// Strict reader and writer for NumPy's .npy format (header versions 1.0, 2.0 and 3.0,
// little-endian, C order). Used to load attention traces (q.npy, k.npy, v.npy) and to
// write result dumps. Every problem with an input file is reported as a
// sinkattn::InputError naming the file, the header field and the reason; nothing is
// guessed or silently converted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace sinkattn::npy {

enum class DType { kFloat32, kFloat16, kInt8, kUInt8, kInt16, kInt32, kFloat64 };

// NumPy's name for the dtype: "float32", "float16", "int8", "uint8", ...
const char* dtype_name(DType dtype);
// Bytes per element.
std::size_t dtype_size(DType dtype);

struct Array {
  DType dtype = DType::kFloat32;
  std::vector<std::size_t> shape;
  std::vector<std::uint8_t> data;  // raw little-endian element bytes, C order

  // Product of shape (1 for shape ()).
  std::size_t num_elements() const;
  // Converts any numeric dtype to float: float16 is decoded exactly (including
  // subnormals, inf and nan); float64 and large int32 values round to nearest.
  // Throws std::invalid_argument if data.size() does not match shape and dtype.
  std::vector<float> to_float() const;
};

// Widens n elements of `dtype` at `bytes` (little-endian, unaligned allowed) to float, as
// Array::to_float does.
void to_float(DType dtype, const std::uint8_t* bytes, std::size_t n, float* out);

// Reads and validates `path`. `allowed` lists the dtypes the caller accepts; any other
// dtype is an InputError naming the dtype found and the ones allowed. Every malformed
// header, a truncated data section and trailing bytes after the data are InputErrors.
Array read(const std::string& path, const std::vector<DType>& allowed);

// A validated .npy file whose data is memory-mapped read-only instead of copied: long traces
// are paged in as they are read, and passes over them hand their pages back (release), so the
// resident memory they take stays a small window of the file. Same checks as read().
class MappedArray {
 public:
  MappedArray() = default;
  ~MappedArray();
  MappedArray(MappedArray&& other) noexcept;
  MappedArray& operator=(MappedArray&& other) noexcept;
  MappedArray(const MappedArray&) = delete;
  MappedArray& operator=(const MappedArray&) = delete;

  DType dtype() const { return dtype_; }
  const std::vector<std::size_t>& shape() const { return shape_; }
  std::size_t num_elements() const;
  // The raw little-endian element bytes, C order (null for an empty array).
  const std::uint8_t* data() const { return base_ == nullptr ? nullptr : base_ + offset_; }
  std::size_t size_bytes() const { return bytes_; }
  // Drops the resident pages of data bytes [offset, offset + len) from this process (they stay
  // in the page cache and are read back on the next access).
  void release(std::size_t offset, std::size_t len) const;

 private:
  friend MappedArray map(const std::string& path, const std::vector<DType>& allowed);
  DType dtype_ = DType::kFloat32;
  std::vector<std::size_t> shape_;
  std::uint8_t* base_ = nullptr;  // the whole file's mapping
  std::size_t map_len_ = 0, offset_ = 0, bytes_ = 0;
};

// Validates `path` as read() does, then maps its data.
MappedArray map(const std::string& path, const std::vector<DType>& allowed);

// Writes a version-1.0 .npy in pieces, byte-for-byte as write() does: the header when
// constructed, then the data in C order through append(), so that a long trace is written
// without ever being in memory whole. finish() checks that exactly the shape's bytes came
// (std::logic_error otherwise) and closes the file (std::runtime_error if writing failed).
class Writer {
 public:
  Writer(const std::string& path, DType dtype, const std::vector<std::size_t>& shape);
  void append(const void* bytes, std::size_t n);
  void finish();
  std::size_t data_bytes() const { return expected_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::size_t expected_ = 0, written_ = 0;
};

// Writes a version-1.0 .npy byte-for-byte as numpy.save does (header padded with spaces
// so the data starts at a multiple of 64 bytes, ending with '\n'). `data` holds
// num_elements * dtype_size bytes of host-order elements in C order (may be null when
// there are no elements). Throws std::runtime_error if the file cannot be written and
// std::invalid_argument for a null `data` or a shape whose byte count overflows.
void write(const std::string& path, DType dtype, const std::vector<std::size_t>& shape,
           const void* data);

// IEEE 754 binary16 <-> binary32. half_to_float is exact; float_to_half rounds to
// nearest, ties to even, overflows to inf and keeps NaNs NaN.
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

}  // namespace sinkattn::npy
