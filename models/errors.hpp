// Typed errors for bad input and simulated failures. Library code throws these; only main() catches
// them and maps them to exit codes (2 bad input, 3 simulated out-of-memory, 1 internal error).
// They live in models/ because every layer may throw them and models/ depends on nothing.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace aisim {

// One problem in one input file, located by a JSON pointer ("/devices/1/peak_flops").
struct Diagnostic {
  std::string file;
  std::string pointer;  // JSON pointer; empty for whole-file problems (missing file, bad JSON)
  std::string message;  // "expected ..., got ..."

  // "file: /pointer: message", the one-line form every error is printed in.
  std::string str() const;
};

// Bad user input: a config, a trace or a command line. Carries every problem found, not just the
// first, so that a user fixes a file in one go.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

class ConfigError : public InputError {
 public:
  using InputError::InputError;
};

class TraceError : public InputError {
 public:
  using InputError::InputError;
};

// The simulated device ran out of memory: not a bug and not bad input, but the answer to the
// question the user asked. Exit code 3.
class OutOfMemoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Collects diagnostics while a reader walks a file; throw_if_any() raises them all at once.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}
  void add(std::string pointer, std::string message);
  bool empty() const { return diagnostics_.empty(); }
  const std::string& file() const { return file_; }
  template <class Error>
  void throw_if_any() const {
    if (!diagnostics_.empty()) throw Error(diagnostics_);
  }

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace aisim
