// Bit packing of Verilated ports of any width (CData .. QData, or VlWide for more than 64
// bits), shared by the RTL runner of the top (rtl_run.cpp) and the RTL unit harnesses (testbench/rtl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace sinkattn::rtl {

// Bytes Verilator uses for a port of `bits` bits (CData, SData, IData, QData or VlWide).
constexpr std::size_t vl_bytes(int bits) {
  return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : bits <= 64 ? 8 : 4 * ((bits + 31) / 32);
}

template <typename T>
void put_bits(T& sig, int lsb, int width, std::uint64_t v) {
  if constexpr (std::is_integral_v<T>) {
    const std::uint64_t mask = (width >= 64 ? ~0ULL : (1ULL << width) - 1) << lsb;
    sig = static_cast<T>((static_cast<std::uint64_t>(sig) & ~mask) | ((v << lsb) & mask));
  } else {
    for (int i = 0; i < width; ++i) {
      const int b = lsb + i;
      const std::uint32_t m = 1u << (b % 32);
      if ((v >> i) & 1) sig[b / 32] |= m;
      else sig[b / 32] &= ~m;
    }
  }
}

template <typename T>
std::uint64_t get_bits(const T& sig, int lsb, int width) {
  if constexpr (std::is_integral_v<T>) {
    return (static_cast<std::uint64_t>(sig) >> lsb) & (width >= 64 ? ~0ULL : (1ULL << width) - 1);
  } else {
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) v |= static_cast<std::uint64_t>((sig[(lsb + i) / 32] >> ((lsb + i) % 32)) & 1) << i;
    return v;
  }
}

// Elements packed LSB-first into one vector (element i at bits [i*width +: width]), printed as
// hex, most significant digit first: an Icarus testbench reads a whole vector with one "%h".
inline std::string packed_hex(const std::vector<std::int64_t>& elems, int width) {
  const int bits = static_cast<int>(elems.size()) * width;
  std::vector<std::uint8_t> bit(bits + 3, 0);
  for (std::size_t i = 0; i < elems.size(); ++i)
    for (int b = 0; b < width; ++b) bit[i * width + b] = (static_cast<std::uint64_t>(elems[i]) >> b) & 1;
  std::string out;
  for (int d = (bits + 3) / 4 - 1; d >= 0; --d) {
    const int v = bit[4 * d] | bit[4 * d + 1] << 1 | bit[4 * d + 2] << 2 | bit[4 * d + 3] << 3;
    out += "0123456789abcdef"[v];
  }
  return out;
}

}  // namespace sinkattn::rtl
