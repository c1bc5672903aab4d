// Strict reader and writer for NumPy's .npy format (header versions 1.0, 2.0 and 3.0,
// little-endian, C order). Used to load attention traces (q.npy, k.npy, v.npy) and to
// write result dumps. Every problem with an input file is reported as a
// sinkattn::InputError naming the file, the header field and the reason; nothing is
// guessed or silently converted.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Reads and validates `path`. `allowed` lists the dtypes the caller accepts; any other
// dtype is an InputError naming the dtype found and the ones allowed. Every malformed
// header, a truncated data section and trailing bytes after the data are InputErrors.
Array read(const std::string& path, const std::vector<DType>& allowed);

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
