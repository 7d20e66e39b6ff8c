// Error types and check macros used everywhere in r1forge.
//
// Library code reports every failure by throwing one of the typed errors below, with the
// offending file, key or line in the message; it never calls exit() or abort(). The one catch
// sits at the edge of the binary (src/apps/r1forge.cpp), which maps the type to an exit code:
// UsageError and ConfigError exit 2, NumericError (training diverged) 3, InterruptedError
// (SIGINT/SIGTERM, state saved: rerun to continue) 75 (EX_TEMPFAIL), everything else 1.
// Not here: CUDA error checks (kernels/), torch's own TORCH_CHECK (used for tensor invariants).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace r1forge {

enum class ErrorKind { INTERNAL, USAGE, CONFIG, IO, DATA, NUMERIC, INTERRUPTED };

// Base error: a user-facing message plus where in r1forge's source it was raised.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, const char* file = "", int line = 0)
      : std::runtime_error(std::move(message)), kind_(kind), file_(file), line_(line) {}
  ErrorKind kind() const { return kind_; }
  const char* file() const { return file_; }
  int line() const { return line_; }

 private:
  ErrorKind kind_;
  const char* file_;
  int line_;
};

// Bad command-line flags or arguments.
struct UsageError : Error {
  explicit UsageError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::USAGE, std::move(m), f, l) {}
};
// Bad YAML config, override or config.json: the message names the file and key path.
struct ConfigError : Error {
  explicit ConfigError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::CONFIG, std::move(m), f, l) {}
};
// A file that cannot be opened, read, written, or is malformed at the byte level.
struct IoError : Error {
  explicit IoError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::IO, std::move(m), f, l) {}
};
// Well-formed files whose content is wrong: a JSONL line, a token id, a tensor shape.
struct DataError : Error {
  explicit DataError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::DATA, std::move(m), f, l) {}
};

// Training cannot continue: too many consecutive non-finite losses or gradients.
struct NumericError : Error {
  explicit NumericError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::NUMERIC, std::move(m), f, l) {}
};
// A stop asked for by SIGINT/SIGTERM after the state was saved; the same command resumes.
struct InterruptedError : Error {
  explicit InterruptedError(std::string m, const char* f = "", int l = 0)
      : Error(ErrorKind::INTERRUPTED, std::move(m), f, l) {}
};

// Exit codes of the binary (docs/reliability.md): 75 is sysexits' EX_TEMPFAIL, "try again".
constexpr int kExitDiverged = 3;
constexpr int kExitInterrupted = 75;

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

// Exit code the binary uses for an error of this kind.
inline int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::USAGE:
    case ErrorKind::CONFIG: return 2;
    case ErrorKind::NUMERIC: return kExitDiverged;
    case ErrorKind::INTERRUPTED: return kExitInterrupted;
    default: return 1;
  }
}

}  // namespace r1forge

// Throw `type` with the concatenated message and this file:line.
#define R1F_THROW(type, ...) throw type(::r1forge::detail::concat(__VA_ARGS__), __FILE__, __LINE__)

// Invariants of r1forge itself (a failure is a bug): InternalError-kind Error.
#define R1F_CHECK(cond, ...)                                                               \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      throw ::r1forge::Error(                                                              \
          ::r1forge::ErrorKind::INTERNAL,                                                  \
          ::r1forge::detail::concat("check failed: " #cond ": ", ##__VA_ARGS__), __FILE__, \
          __LINE__);                                                                       \
    }                                                                                      \
  } while (0)

// Checks on user input; the message must name the file and the key, line or tensor.
#define R1F_CHECK_USAGE(cond, ...)                              \
  do {                                                          \
    if (!(cond)) R1F_THROW(::r1forge::UsageError, __VA_ARGS__); \
  } while (0)
#define R1F_CHECK_CONFIG(cond, ...)                              \
  do {                                                           \
    if (!(cond)) R1F_THROW(::r1forge::ConfigError, __VA_ARGS__); \
  } while (0)
#define R1F_CHECK_IO(cond, ...)                              \
  do {                                                       \
    if (!(cond)) R1F_THROW(::r1forge::IoError, __VA_ARGS__); \
  } while (0)
#define R1F_CHECK_DATA(cond, ...)                              \
  do {                                                         \
    if (!(cond)) R1F_THROW(::r1forge::DataError, __VA_ARGS__); \
  } while (0)
