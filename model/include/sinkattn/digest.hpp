// SHA-256 of result tensors (OpenSSL's EVP interface), so runs compare by one string.
#pragma once

#include <cstddef>
#include <string>

namespace sinkattn {

// Lower-case hex SHA-256 of `size` bytes.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace sinkattn
