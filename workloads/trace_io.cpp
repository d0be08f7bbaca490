#include "workloads/trace_io.hpp"

#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "models/device_spec.hpp"

namespace aisim {
namespace {

constexpr std::int64_t kMaxCount = std::numeric_limits<std::int32_t>::max();

// A size that may depend on the sequence length: a number (or, for bytes, a quantity string), or
// {"const": x, "per_seq": y, "per_seq2": z}. `dimension` is kBytes for byte counts and nullopt for
// plain counts such as flops.
SeqPoly read_seq_poly(const Json& value, const std::string& at, std::optional<Dimension> dimension,
                      DiagnosticSink& sink) {
  const auto scalar = [&](const Json& v, const std::string& where) -> double {
    if (dimension) {
      std::string expected;
      if (const auto q = quantity_from_json(v, *dimension, Sign::kNonNegative, &expected))
        return *q;
      sink.add(where, expected + ", got " + v.dump());
      return 0;
    }
    if (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0)
      return v.get<double>();
    sink.add(where, "expected a non-negative number, got " + v.dump());
    return 0;
  };
  if (!value.is_object()) return SeqPoly(scalar(value, at));
  JsonObjectReader r(value, at, sink);
  SeqPoly poly;
  if (const Json* c = r.any("const")) poly.c0 = scalar(*c, r.child("const"));
  if (const Json* c = r.any("per_seq")) poly.c1 = scalar(*c, r.child("per_seq"));
  if (const Json* c = r.any("per_seq2")) poly.c2 = scalar(*c, r.child("per_seq2"));
  r.finish();
  return poly;
}

// The optional measured timings of an op (imported traces).
void read_measured(JsonObjectReader& r, Op& op, DiagnosticSink& sink) {
  if (const Json* d = r.object("duration_us", Presence::kOptional)) {
    for (const auto& [kind, value] : d->items()) {
      const std::string at = json_pointer_child(r.child("duration_us"), kind);
      if (!device_kind_from_string(kind) || kind == "cpu")
        sink.add(at, "unknown device kind \"" + kind + "\"; valid: gpu, npu, tpu");
      else if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0)
        sink.add(at, "expected a non-negative number of microseconds, got " + value.dump());
      else
        op.duration_us[kind] = value.get<double>();
    }
  }
  if (const auto host = r.number("host_us", Presence::kOptional, 0, 1e15)) op.host_us = *host;
  if (const Json* sync = r.any("host_sync")) {
    if (sync->is_boolean())
      op.host_sync = sync->get<bool>();
    else
      sink.add(r.child("host_sync"), "expected true or false, got " + sync->dump());
  }
}

Json seq_poly_to_json(const SeqPoly& p) {
  if (!p.symbolic()) return p.c0;
  return Json{{"const", p.c0}, {"per_seq", p.c1}, {"per_seq2", p.c2}};
}

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
  m.sequence_length = static_cast<int>(r.integer_or("sequence_length", 0, 0, 1 << 20));
  m.steps_per_iteration = static_cast<int>(r.integer_or("steps_per_iteration", 1, 1, kMaxCount));
  r.finish();
  return m;
}

Tensor read_tensor(const Json& value, const std::string& at, bool allow_seq, DiagnosticSink& sink) {
  Tensor t;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return t;
  t.id = static_cast<TensorId>(
      r.integer("id", Presence::kRequired, 0, std::numeric_limits<std::int64_t>::max())
          .value_or(0));
  // (std::string built first: GCC 12 gives a false -Wrestrict on "t" + std::to_string(...).)
  t.name = r.string_or("name", std::string("tensor") + std::to_string(t.id));
  if (const auto role = r.string("role", Presence::kOptional)) {
    if (const auto v = tensor_role_from_string(*role))
      t.role = *v;
    else
      sink.add(r.child("role"),
               "unknown tensor role \"" + *role + "\"; valid: " + std::string(tensor_role_names()));
  }
  if (const auto dtype = r.string("dtype", Presence::kOptional)) {
    if (const auto p = precision_from_string(*dtype))
      t.dtype = *p;
    else
      sink.add(r.child("dtype"),
               "unknown dtype \"" + *dtype + "\"; valid: " + std::string(precision_names()));
  }
  const Json* shape = r.array("shape", Presence::kOptional);
  const Json* bytes = r.any("bytes");
  if (shape) {
    int seq_dims = 0;
    for (size_t i = 0; i < shape->size(); ++i) {
      const Json& d = (*shape)[i];
      const std::string dim_at = json_pointer_child(r.child("shape"), i);
      if (d.is_string() && d.get<std::string>() == "S" && allow_seq) {
        t.shape.push_back(kSeqDim);
        ++seq_dims;
      } else if (d.is_number_integer() && d.get<std::int64_t>() > 0) {
        t.shape.push_back(d.get<std::int64_t>());
      } else {
        sink.add(dim_at, std::string("expected a positive integer") +
                             (allow_seq ? " or \"S\" (the sequence length)" : "") + ", got " +
                             d.dump());
      }
    }
    if (seq_dims > 2)
      sink.add(r.child("shape"),
               "at most two sequence dimensions are supported, got " + std::to_string(seq_dims));
    t.bytes = shape_bytes(t.shape, element_bytes(t.dtype));
  }
  if (bytes) {
    const SeqPoly given = read_seq_poly(*bytes, r.child("bytes"), Dimension::kBytes, sink);
    if (!shape) t.bytes = given;
  }
  if (!shape && !bytes) sink.add(at, "expected \"shape\" or \"bytes\" for the tensor's size");
  r.finish();
  return t;
}

void read_tensor_refs(JsonObjectReader& r, std::string_view key, std::vector<TensorId>& out,
                      const std::unordered_set<TensorId>& known, DiagnosticSink& sink) {
  const Json* refs = r.array(key, Presence::kOptional);
  if (!refs) return;
  for (size_t i = 0; i < refs->size(); ++i) {
    const Json& ref = (*refs)[i];
    const std::string at = json_pointer_child(r.child(key), i);
    if (!ref.is_number_unsigned())
      sink.add(at, "expected a tensor id (non-negative integer), got " + ref.dump());
    else if (!known.count(ref.get<TensorId>()))
      sink.add(at, "unknown tensor " + ref.dump() + " (not listed under /tensors)");
    else
      out.push_back(ref.get<TensorId>());
  }
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
  std::unordered_set<TensorId> tensor_ids;
  if (const Json* tensors = top.array("tensors", Presence::kOptional)) {
    for (size_t i = 0; i < tensors->size(); ++i) {
      const std::string at = json_pointer_child("/tensors", i);
      Tensor t = read_tensor((*tensors)[i], at, trace.metadata.sequence_length > 0, sink);
      if (!tensor_ids.insert(t.id).second)
        sink.add(at + "/id", "duplicate tensor id " + std::to_string(t.id));
      trace.tensors.push_back(std::move(t));
    }
  }
  std::unordered_map<TensorId, TensorRole> role_of;
  for (const auto& t : trace.tensors) role_of[t.id] = t.role;
  std::unordered_set<TensorId> produced;
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
      if (const Json* v = r.any("flops"))
        op.flops = read_seq_poly(*v, r.child("flops"), std::nullopt, sink);
      if (const Json* v = r.any("bytes_read"))
        op.bytes_read = read_seq_poly(*v, r.child("bytes_read"), Dimension::kBytes, sink);
      if (const Json* v = r.any("bytes_written"))
        op.bytes_written = read_seq_poly(*v, r.child("bytes_written"), Dimension::kBytes, sink);
      read_tensor_refs(r, "inputs", op.inputs, tensor_ids, sink);
      read_tensor_refs(r, "outputs", op.outputs, tensor_ids, sink);
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const TensorRole role = role_of[op.inputs[k]];
        const bool made_by_an_op = role == TensorRole::kActivation ||
                                   role == TensorRole::kGradient || role == TensorRole::kWorkspace;
        if (made_by_an_op && !produced.count(op.inputs[k]))
          sink.add(json_pointer_child(r.child("inputs"), k),
                   "tensor " + std::to_string(op.inputs[k]) +
                       " is read before any earlier op produces it");
      }
      for (size_t k = 0; k < op.outputs.size(); ++k) {
        if (!produced.insert(op.outputs[k]).second)
          sink.add(json_pointer_child(r.child("outputs"), k),
                   "tensor " + std::to_string(op.outputs[k]) + " is produced by two ops");
      }
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
      read_measured(r, op, sink);
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

namespace {
Json op_to_json(const Op& op) {
  Json j{{"id", op.id},
         {"name", op.name},
         {"kind", to_string(op.kind)},
         {"phase", to_string(op.phase)},
         {"flops", seq_poly_to_json(op.flops)},
         {"bytes_read", seq_poly_to_json(op.bytes_read)},
         {"bytes_written", seq_poly_to_json(op.bytes_written)},
         {"dtype", to_string(op.precision)}};
  if (!op.deps.empty()) j["deps"] = op.deps;
  if (!op.inputs.empty()) j["inputs"] = op.inputs;
  if (!op.outputs.empty()) j["outputs"] = op.outputs;
  if (!op.duration_us.empty()) j["duration_us"] = op.duration_us;
  if (op.host_us) j["host_us"] = *op.host_us;
  if (op.host_sync) j["host_sync"] = true;
  return j;
}
}  // namespace

Json trace_to_json(const Trace& trace) {
  Json ops = Json::array();
  for (const auto& op : trace.ops) {
    ops.push_back(op_to_json(op));
  }
  Json tensors = Json::array();
  for (const auto& t : trace.tensors) {
    Json j{
        {"id", t.id}, {"name", t.name}, {"role", to_string(t.role)}, {"dtype", to_string(t.dtype)}};
    if (!t.shape.empty()) {
      Json shape = Json::array();
      for (const auto d : t.shape) shape.push_back(d == kSeqDim ? Json("S") : Json(d));
      j["shape"] = shape;
    } else {
      j["bytes"] = seq_poly_to_json(t.bytes);
    }
    tensors.push_back(std::move(j));
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
                {"precision", m.precision},
                {"sequence_length", m.sequence_length},
                {"steps_per_iteration", m.steps_per_iteration}}},
              {"tensors", std::move(tensors)},
              {"ops", std::move(ops)}};
}

void write_trace(const Trace& trace, std::ostream& out) {
  // The document without its ops, then one op at a time: a trace of 20,000 imported ops as one
  // DOM would take several times the memory of the importer's own data.
  Trace head;
  head.metadata = trace.metadata;
  head.tensors = trace.tensors;
  Json document = trace_to_json(head);
  document.erase("ops");
  std::string text = document.dump();
  text.pop_back();  // the closing brace
  out << text << (document.size() > 0 ? "," : "") << "\"ops\":[";
  for (size_t i = 0; i < trace.ops.size(); ++i)
    out << (i ? ",\n" : "\n") << op_to_json(trace.ops[i]).dump();
  out << "\n]}\n";
}

}  // namespace aisim
