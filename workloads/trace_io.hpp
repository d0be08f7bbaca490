// Reading and writing traces in aisim's JSON trace format (docs/trace-format.md).
#pragma once

#include <ostream>
#include <string>

#include "models/json_reader.hpp"
#include "workloads/trace.hpp"

namespace aisim {

// Validates the whole file and throws TraceError with every problem found.
Trace load_trace_file(const std::string& path);
// Same, from an already parsed document; `file` names it in error messages.
Trace trace_from_json(const Json& document, const std::string& file);
Json trace_to_json(const Trace& trace);
// The same JSON, written op by op (for large imported traces).
void write_trace(const Trace& trace, std::ostream& out);

}  // namespace aisim
