// Test-only command-line driver of r1forge's safetensors reader and writer, used by
// tests/python/check_safetensors.py to cross-check against the `safetensors` Python package.
//
//   safetensors_tool copy IN OUT               read IN, write every tensor + metadata to OUT
//   safetensors_tool save-folder IN DIR BYTES  read IN, save_folder(DIR, max_shard_bytes=BYTES)
//   safetensors_tool read-folder DIR OUT       read a (sharded) folder, write it as one file
// Not part of the r1forge binary; exits 1 with the error message on any failure.
#include <cstdlib>
#include <iostream>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/model/safetensors.h"
#include "r1forge/model/safetensors_folder.h"

namespace {

using namespace r1forge::safetensors;

template <typename Source>
std::vector<std::pair<std::string, at::Tensor>> all_tensors(const Source& source) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& name : source.names()) tensors.emplace_back(name, source.tensor(name));
  return tensors;
}

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "copy" && argc == 4) {
    SafetensorsFile in(argv[2]);
    save_file(argv[3], all_tensors(in), in.metadata());
  } else if (command == "save-folder" && argc == 5) {
    save_folder(argv[3], all_tensors(SafetensorsFile(argv[2])), std::stoll(argv[4]));
  } else if (command == "read-folder" && argc == 4) {
    save_file(argv[3], all_tensors(SafetensorsFolder(argv[2])));
  } else {
    std::cerr << "usage: safetensors_tool copy IN OUT | save-folder IN DIR BYTES | "
                 "read-folder DIR OUT\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const r1forge::Error& error) {
    std::cerr << "safetensors_tool: " << error.what() << "\n";
    return 1;
  }
}
