#include "fuzz/fuzz_entry_points.hpp"

#include <unistd.h>

#include <fstream>
#include <string>
#include <string_view>

#include "models/errors.hpp"
#include "models/json_reader.hpp"
#include "models/quantity.hpp"
#include "sim/config.hpp"
#include "workloads/importers.hpp"
#include "workloads/op_graph.hpp"
#include "workloads/trace_io.hpp"

namespace aisim::fuzz {
namespace {

std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Parses without exceptions: malformed JSON is the JSON reader's business, tested elsewhere.
Json parse_or_null(const std::uint8_t* data, std::size_t size) {
  return Json::parse(as_text(data, size), nullptr, /*allow_exceptions=*/false);
}

}  // namespace

void quantity_one(const std::uint8_t* data, std::size_t size) {
  if (const auto q = parse_quantity(as_text(data, size)))
    (void)format_quantity(q->value, q->dimension);
}

void config_one(const std::uint8_t* data, std::size_t size) {
  const Json document = parse_or_null(data, size);
  if (document.is_discarded()) return;
  try {
    const Config config = config_from_json(document, "fuzz.json");
    (void)config.resolved();
  } catch (const ConfigError&) {
  }
}

void trace_one(const std::uint8_t* data, std::size_t size) {
  const Json document = parse_or_null(data, size);
  if (document.is_discarded()) return;
  try {
    const Trace trace = trace_from_json(document, "fuzz.json");
    const OpGraph graph(trace, "fuzz.json");
    (void)graph.liveness();
    (void)graph.critical_path([](size_t) { return 1.0; });
    (void)trace_to_json(trace);
  } catch (const TraceError&) {
  }
}

void import_one(const std::uint8_t* data, std::size_t size) {
  // The importers read files (they stream gzip and JSON from disk): one file per process.
  static const std::string path = "/tmp/aisim_import_fuzz_" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)import_trace(path, std::nullopt, ImportOptions{});
  } catch (const TraceError&) {
  }
}

}  // namespace aisim::fuzz
