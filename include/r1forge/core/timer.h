// Wall-clock timing for logs and benchmarks (steady clock; no device synchronisation — GPU
// code must synchronise before reading a timer, and say so at the call site).
#pragma once

#include <chrono>

namespace r1forge {

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace r1forge
