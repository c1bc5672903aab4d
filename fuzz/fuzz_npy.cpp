// libFuzzer harness of the .npy reader (model/src/npy.cpp): any byte string, read with every
// dtype allowed, then widened to float. The reader must accept it or throw InputError.
#include "fuzz_files.hpp"
#include "sinkattn/error.hpp"
#include "sinkattn/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sinkattn;
  const std::string path = fuzz::scratch_dir() + "/input.npy";
  fuzz::write_file(path, {reinterpret_cast<const char*>(data), size});
  try {
    using npy::DType;
    const npy::Array a = npy::read(path, {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kUInt8,
                                          DType::kInt16, DType::kInt32, DType::kFloat64});
    const std::vector<float> f = a.to_float();
    if (f.size() != a.num_elements()) std::abort();
  } catch (const InputError&) {
  }
  return 0;
}
