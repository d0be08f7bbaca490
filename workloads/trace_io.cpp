#include "workloads/trace_io.hpp"

#include <limits>
#include <unordered_set>

namespace aisim {
namespace {

constexpr std::int64_t kMaxCount = std::numeric_limits<std::int32_t>::max();

TraceMetadata read_metadata(JsonObjectReader& r) {
  TraceMetadata m;
  m.model = r.string_or("model", "unnamed");
  m.batch_size =
      static_cast<int>(r.integer("batch_size", Presence::kRequired, 1, kMaxCount).value_or(1));
  m.samples_per_iteration =
      static_cast<int>(r.integer_or("samples_per_iteration", m.batch_size, 1, kMaxCount));
  m.input_bytes_per_sample =
      r.quantity_or("input_bytes_per_sample", Dimension::kBytes, 0, Sign::kNonNegative);
  m.parameter_bytes = r.quantity_or("parameter_bytes", Dimension::kBytes, 0, Sign::kNonNegative);
  m.precision = r.string_or("precision", "fp32");
  r.finish();
  return m;
}

}  // namespace

Trace trace_from_json(const Json& document, const std::string& file) {
  DiagnosticSink sink(file);
  Trace trace;
  JsonObjectReader top(document, "", sink);
  if (const auto format = top.string("format", Presence::kRequired);
      format && *format != "aisim-trace")
    sink.add("/format", "expected \"aisim-trace\", got \"" + *format + "\"");
  if (const auto version = top.integer("version", Presence::kRequired, 0, kMaxCount);
      version && *version != kTraceFormatVersion)
    sink.add("/version", "unsupported trace format version " + std::to_string(*version) +
                             "; this aisim reads version " + std::to_string(kTraceFormatVersion));
  if (const Json* meta = top.object("metadata", Presence::kRequired)) {
    JsonObjectReader r(*meta, "/metadata", sink);
    trace.metadata = read_metadata(r);
  }
  if (const Json* ops = top.array("ops", Presence::kRequired)) {
    if (ops->empty()) sink.add("/ops", "expected at least one op, got []");
    std::unordered_set<OpId> seen;
    for (size_t i = 0; i < ops->size(); ++i) {
      const std::string at = json_pointer_child("/ops", i);
      JsonObjectReader r((*ops)[i], at, sink);
      if (!r.is_object()) continue;
      Op op;
      op.id = static_cast<OpId>(r.integer("id", Presence::kRequired, 0, kMaxCount).value_or(0));
      op.name = r.string_or("name", "op" + std::to_string(op.id));
      if (const auto kind = r.string("kind", Presence::kRequired)) {
        if (const auto k = op_kind_from_string(*kind))
          op.kind = *k;
        else
          sink.add(r.child("kind"),
                   "unknown op kind \"" + *kind + "\"; valid: " + std::string(op_kind_names()));
      }
      if (const auto phase = r.string("phase", Presence::kRequired)) {
        if (const auto p = phase_from_string(*phase))
          op.phase = *p;
        else
          sink.add(r.child("phase"),
                   "unknown phase \"" + *phase + "\"; valid: " + std::string(phase_names()));
      }
      op.flops = r.number_or("flops", 0, 0, std::numeric_limits<double>::max());
      op.bytes_read = r.quantity_or("bytes_read", Dimension::kBytes, 0, Sign::kNonNegative);
      op.bytes_written = r.quantity_or("bytes_written", Dimension::kBytes, 0, Sign::kNonNegative);
      if (const auto dtype = r.string("dtype", Presence::kOptional)) {
        if (const auto p = precision_from_string(*dtype))
          op.precision = *p;
        else
          sink.add(r.child("dtype"),
                   "unknown dtype \"" + *dtype + "\"; valid: " + std::string(precision_names()));
      }
      if (const Json* deps = r.array("deps", Presence::kOptional)) {
        for (size_t d = 0; d < deps->size(); ++d) {
          const Json& dep = (*deps)[d];
          const std::string dep_at = json_pointer_child(r.child("deps"), d);
          if (!dep.is_number_unsigned()) {
            sink.add(dep_at, "expected an op id (non-negative integer), got " + dep.dump());
          } else if (!seen.count(static_cast<OpId>(dep.get<std::uint64_t>()))) {
            // Ops are listed in execution order, so a dependency on a later or unknown op is an
            // error; this also rules out cycles.
            sink.add(dep_at, "op " + dep.dump() +
                                 " is not listed before this op (ops must be in a valid execution "
                                 "order and dependencies must name earlier ops)");
          } else {
            op.deps.push_back(static_cast<OpId>(dep.get<std::uint64_t>()));
          }
        }
      }
      r.finish();
      if (!seen.insert(op.id).second)
        sink.add(at + "/id", "duplicate op id " + std::to_string(op.id));
      trace.ops.push_back(std::move(op));
    }
  }
  top.finish();
  sink.throw_if_any<TraceError>();
  return trace;
}

Trace load_trace_file(const std::string& path) {
  DiagnosticSink sink(path);
  const auto document = read_json_file(path, sink);
  sink.throw_if_any<TraceError>();
  return trace_from_json(*document, path);
}

Json trace_to_json(const Trace& trace) {
  Json ops = Json::array();
  for (const auto& op : trace.ops) {
    Json j{{"id", op.id},
           {"name", op.name},
           {"kind", to_string(op.kind)},
           {"phase", to_string(op.phase)},
           {"flops", op.flops},
           {"bytes_read", op.bytes_read},
           {"bytes_written", op.bytes_written},
           {"dtype", to_string(op.precision)}};
    if (!op.deps.empty()) j["deps"] = op.deps;
    ops.push_back(std::move(j));
  }
  const auto& m = trace.metadata;
  return Json{{"format", "aisim-trace"},
              {"version", kTraceFormatVersion},
              {"metadata",
               {{"model", m.model},
                {"batch_size", m.batch_size},
                {"samples_per_iteration", m.samples_per_iteration},
                {"input_bytes_per_sample", m.input_bytes_per_sample},
                {"parameter_bytes", m.parameter_bytes},
                {"precision", m.precision}}},
              {"ops", std::move(ops)}};
}

}  // namespace aisim
