// Tests that the shared libraries r1forge links do not corrupt each other at load time.
//
// Debian's libsentencepiece and LibTorch's libc10 both export FLAGS_minloglevel (a 24-byte
// absl::Flag<int> and a 4-byte int). When libc10 came first in the search order, SentencePiece's
// constructor built its flag over c10's int and the flags after it, setting
// caffe2_use_fatal_for_enforce: a failed allocation then aborted the process (exit 134, found by
// tests/integration/bad_input.sh with `generate --max-new-tokens 100000000000`) instead of
// throwing. CMakeLists.txt links SentencePiece first. Not here: the tokenizer itself.
#include <ATen/ATen.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>

namespace r1forge {
namespace {

TEST(LibrarySymbolsTest, C10FlagsKeepTheirDefaults) {
  // Looked up at run time: naming the flag in this file would give the test binary its own copy
  // (a copy relocation) that libc10 then uses, hiding the corruption of libc10's. c10's default
  // is false; the corrupted byte was 0xff (part of SentencePiece's vtable pointer).
  const void* flag = dlsym(RTLD_DEFAULT, "FLAGS_caffe2_use_fatal_for_enforce");
  ASSERT_NE(flag, nullptr);
  EXPECT_EQ(*static_cast<const unsigned char*>(flag), 0);
}

TEST(LibrarySymbolsTest, FailedTorchAllocationThrowsInsteadOfAborting) {
  // 2^50 bytes (1 PiB): posix_memalign fails at once with ENOMEM on any machine here, and
  // c10's CAFFE_ENFORCE must turn that into a c10::Error the binary's one catch reports.
  EXPECT_THROW(at::empty({int64_t{1} << 50}, at::kByte), c10::Error);
}

}  // namespace
}  // namespace r1forge
