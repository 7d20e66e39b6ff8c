// libFuzzer target for the safetensors header parser (parse_header).
//
// The input is a whole file. r1forge's typed errors (IoError, ...) are the expected outcome
// for bad input and are swallowed; any other exception, crash or sanitizer report is a bug.
// Built with clang by tests/model/tests.cmake; not part of the g++ build or the gtest binary.
#include <cstddef>
#include <cstdint>

#include "r1forge/core/check.h"
#include "r1forge/model/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto header = r1forge::safetensors::parse_header(data, size, size, "fuzz.safetensors");
    // A header that passed validation must describe bytes inside the input.
    for (const auto& info : header.tensors) {
      if (header.data_offset() + info.end > size) __builtin_trap();
      if (header.find(info.name) != &info) __builtin_trap();
    }
    // Serialising what was parsed must give a header that parses to the same tensors.
    std::string rebuilt = r1forge::safetensors::build_header_json(header.metadata, header.tensors);
    if (rebuilt.size() % 8 != 0) __builtin_trap();
  } catch (const r1forge::Error&) {
  }
  return 0;
}
