#include "models/errors.hpp"

namespace aisim {

std::string Diagnostic::str() const {
  std::string line = file;
  if (!pointer.empty()) line += ": " + pointer;
  line += ": " + message;
  return line;
}

static std::string join_lines(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const auto& d : diagnostics) {
    if (!text.empty()) text += '\n';
    text += d.str();
  }
  return text;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_lines(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void DiagnosticSink::add(std::string pointer, std::string message) {
  diagnostics_.push_back({file_, std::move(pointer), std::move(message)});
}

}  // namespace aisim
