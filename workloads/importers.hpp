// Importers for traces that real profilers recorded: PyTorch profiler (Kineto) Chrome-trace JSON,
// PyTorch execution traces (ET) and Chakra JSON. Each turns a file (plain or gzip, streamed:
// json_stream.hpp) into an aisim Trace; problems become a TraceError whose diagnostics name the
// file and the JSON pointer. docs/trace-format.md ("Imported traces") says what is kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "workloads/trace.hpp"

namespace aisim {

enum class TraceFormat { kAisim, kKineto, kPytorchEt, kChakra };
std::string_view to_string(TraceFormat format);
std::optional<TraceFormat> trace_format_from_string(std::string_view name);
std::string_view trace_format_names();

struct ImportOptions {
  // Which profiler steps form the iteration: "all" (the whole profiled window, replayed back to
  // back), "median" (the step of median duration) or a ProfilerStep number such as "5".
  std::string step = "all";
  int batch_size = 1;  // profiler traces do not record it; counted for throughput only
  // Depth of the device's launch queue (CUDA blocks a launch when about 1024 are pending): a
  // launch call made while the queue was that full waited for a slot, and that wait is not host
  // work. The replaying device has the same limit (device key launch_queue_depth).
  int launch_queue_depth = 1024;
};

// From the first bytes of the content: aisim, Kineto, ET or Chakra; nullopt if none fits.
std::optional<TraceFormat> detect_trace_format(const std::string& path);

Trace import_kineto(const std::string& path, const ImportOptions& options);
Trace import_pytorch_et(const std::string& path, const ImportOptions& options);
Trace import_chakra(const std::string& path, const ImportOptions& options);

// Any supported format: `format` given, or detected from the content. Throws TraceError.
Trace import_trace(const std::string& path, std::optional<TraceFormat> format,
                   const ImportOptions& options);

// Op kind of a kernel or operator from its name ("cudnn...conv" -> conv, "nccl..." -> collective).
OpKind op_kind_from_name(std::string_view name);

// Execution order of ops with dependencies that may point forward: dependencies first, ties in
// the given order. On a cycle, records one diagnostic at `pointer` naming the ops on a cycle and
// returns an empty vector.
std::vector<size_t> topological_order(const std::vector<std::vector<size_t>>& deps,
                                      const std::vector<std::string>& names,
                                      const std::string& pointer, class DiagnosticSink& sink);

}  // namespace aisim
