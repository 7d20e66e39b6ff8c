# Finds every dependency of r1forge. All come from Debian packages or the venv's torch wheel
# (scripts/setup.sh installs them); nothing is vendored. See third_party/README.md.

# LibTorch from the PyTorch wheel. scripts/build.sh passes its cmake prefix path.
# Its CUDA glue would probe for installed GPUs with try_run unless the arch list is given; we
# build for Hopper (sm_90) whatever this machine has.
if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(ENV{TORCH_CUDA_ARCH_LIST} "9.0")
endif()
find_package(Torch REQUIRED)
message(STATUS "r1forge: LibTorch ${Torch_VERSION} from ${Torch_DIR}")

find_package(yaml-cpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SentencePiece REQUIRED)  # third_party/cmake/FindSentencePiece.cmake
find_package(ArrowParquet REQUIRED)   # from the pyarrow wheel: third_party/cmake/FindArrowParquet.cmake
# tokenizer.json: Oniguruma runs the pre-tokenizer regexes (\p{..}, look-ahead, (?i:..)), as HF's
# Rust code does; utf8proc does the NFC normalizer. Debian ships pkg-config files for both.
# Only their libraries are taken: libutf8proc.pc's -DUTF8PROC_EXPORTS (a Windows export macro)
# would otherwise reach every r1forge_lib compile line and miss the shared ccache.
find_package(PkgConfig REQUIRED)
pkg_check_modules(R1F_ONIG REQUIRED oniguruma)
pkg_check_modules(R1F_UTF8PROC REQUIRED libutf8proc)
add_library(r1f::text_libs INTERFACE IMPORTED)
set_target_properties(r1f::text_libs PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${R1F_ONIG_INCLUDE_DIRS};${R1F_UTF8PROC_INCLUDE_DIRS}"
  INTERFACE_LINK_LIBRARIES "${R1F_ONIG_LINK_LIBRARIES};${R1F_UTF8PROC_LINK_LIBRARIES}")

# OpenSSL's libcrypto (Debian libssl-dev) for checkpoint SHA-256: its SHA-NI / AVX2 code hashes
# several GB/s per core where a portable implementation does ~0.3 (core/sha256.h).
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

# CUDA kernels: on when the LibTorch build has CUDA and nvcc is present (or forced).
include(CheckLanguage)
set(R1F_CUDA_ENABLED OFF)
if(NOT R1F_CUDA STREQUAL "OFF")
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND TARGET torch_cuda)
    set(R1F_CUDA_ENABLED ON)
  elseif(R1F_CUDA STREQUAL "ON")
    message(FATAL_ERROR "R1F_CUDA=ON but nvcc or a CUDA LibTorch is missing")
  endif()
endif()
message(STATUS "r1forge: CUDA kernels ${R1F_CUDA_ENABLED}")

if(R1F_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
