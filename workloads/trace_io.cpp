#include "workloads/trace_io.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "models/device_spec.hpp"
#include "workloads/op_graph.hpp"

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
  m.samples_per_epoch =
      r.integer_or("samples_per_epoch", 0, 0, std::numeric_limits<std::int64_t>::max() / 2);
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
  // An explicit size wins over the shape's (elements wider than the dtype, e.g. int64 ids).
  if (bytes) t.bytes = read_seq_poly(*bytes, r.child("bytes"), Dimension::kBytes, sink);
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

// Puts the ops in an execution order (the listed order when it is one, else a topological order:
// the OpGraph rejects cycles, naming their ops), then checks that every activation, gradient or
// workspace tensor is produced once, before anything reads it.
void order_and_check_tensors(Trace& trace, const std::string& file, DiagnosticSink& sink) {
  std::unordered_map<OpId, size_t> position;
  bool listed_in_order = true;
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    for (OpId dep : trace.ops[i].deps)
      if (!position.count(dep)) listed_in_order = false;
    position.emplace(trace.ops[i].id, i);
  }
  std::vector<size_t> order(trace.ops.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!listed_in_order) order = OpGraph(trace, file).topological_order();
  std::unordered_map<TensorId, TensorRole> role_of;
  for (const auto& t : trace.tensors) role_of[t.id] = t.role;
  // Where each tensor is produced (first producer in execution order), to tell "read before it is
  // produced" from "never produced".
  std::unordered_map<TensorId, size_t> producer_rank;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const Op& op = trace.ops[order[rank]];
    for (size_t k = 0; k < op.outputs.size(); ++k)
      if (!producer_rank.emplace(op.outputs[k], rank).second)
        sink.add(json_pointer_child("/ops", order[rank]) + "/outputs/" + std::to_string(k),
                 "tensor " + std::to_string(op.outputs[k]) + " is produced by two ops");
  }
  std::unordered_set<TensorId> reported;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    const Op& op = trace.ops[order[rank]];
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const TensorId t = op.inputs[k];
      const TensorRole role = role_of[t];
      const bool made_by_an_op = role == TensorRole::kActivation || role == TensorRole::kGradient ||
                                 role == TensorRole::kWorkspace;
      const auto produced = producer_rank.find(t);
      if (!made_by_an_op || (produced != producer_rank.end() && produced->second < rank) ||
          !reported.insert(t).second)
        continue;
      const std::string at =
          json_pointer_child("/ops", order[rank]) + "/inputs/" + std::to_string(k);
      if (produced == producer_rank.end())
        sink.add(at, "tensor " + std::to_string(t) + " (" + std::string(to_string(role)) +
                         ") is read but no op produces it");
      else
        sink.add(at, "tensor " + std::to_string(t) + " is read before the op that produces it");
    }
  }
  if (!listed_in_order) {
    std::vector<Op> ordered;
    for (size_t i : order) ordered.push_back(std::move(trace.ops[i]));
    trace.ops = std::move(ordered);
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
  if (const Json* ops = top.array("ops", Presence::kRequired)) {
    if (ops->empty()) sink.add("/ops", "expected at least one op, got []");
    std::unordered_set<OpId> seen;
    // Dependencies as (pointer, id), checked once all ops are read. If an op has no valid id (it is
    // already reported), unknown-dependency errors would only echo it: they are skipped.
    std::vector<std::pair<std::string, OpId>> dep_refs;
    bool ids_valid = true;
    for (size_t i = 0; i < ops->size(); ++i) {
      const std::string at = json_pointer_child("/ops", i);
      JsonObjectReader r((*ops)[i], at, sink);
      if (!r.is_object()) {
        ids_valid = false;
        continue;
      }
      Op op;
      const auto id = r.integer("id", Presence::kRequired, 0, kMaxCount);
      ids_valid = ids_valid && id.has_value();
      op.id = static_cast<OpId>(id.value_or(0));
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
          if (!dep.is_number_unsigned() ||
              dep.get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxCount))
            sink.add(dep_at, "expected an op id (non-negative integer), got " + dep.dump());
          else
            dep_refs.push_back({dep_at, static_cast<OpId>(dep.get<std::uint64_t>())});
          op.deps.push_back(
              static_cast<OpId>(dep.is_number_unsigned() ? dep.get<std::uint64_t>() : 0));
        }
      }
      read_measured(r, op, sink);
      if (const Json* edges = r.object("transfer_bytes", Presence::kOptional)) {
        for (const auto& [key, value] : edges->items()) {
          const std::string at = json_pointer_child(r.child("transfer_bytes"), key);
          OpId dep = 0;
          const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), dep);
          std::string expected;
          const auto bytes =
              quantity_from_json(value, Dimension::kBytes, Sign::kNonNegative, &expected);
          if (ec != std::errc() || end != key.data() + key.size() ||
              std::find(op.deps.begin(), op.deps.end(), dep) == op.deps.end())
            sink.add(at, "expected the id of one of this op's deps, got \"" + key + "\"");
          else if (!bytes)
            sink.add(at, expected + ", got " + value.dump());
          else
            op.transfer_bytes[dep] = *bytes;
        }
      }
      r.finish();
      if (id && !seen.insert(op.id).second)
        sink.add(at + "/id", "duplicate op id " + std::to_string(op.id));
      trace.ops.push_back(std::move(op));
    }
    for (const auto& [at, id] : dep_refs)
      if (ids_valid && !seen.count(id)) sink.add(at, "unknown op " + std::to_string(id));
  }
  top.finish();
  sink.throw_if_any<TraceError>();
  order_and_check_tensors(trace, file, sink);
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
  if (!op.transfer_bytes.empty()) {
    Json edges = Json::object();
    for (const auto& [dep, bytes] : op.transfer_bytes) edges[std::to_string(dep)] = bytes;
    j["transfer_bytes"] = edges;
  }
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
    }
    // The size, when the shape and dtype do not give it (no shape, or elements of another width
    // such as int64 token ids).
    const SeqPoly from_shape = shape_bytes(t.shape, element_bytes(t.dtype));
    if (t.shape.empty() || from_shape.c0 != t.bytes.c0 || from_shape.c1 != t.bytes.c1 ||
        from_shape.c2 != t.bytes.c2)
      j["bytes"] = seq_poly_to_json(t.bytes);
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
                {"steps_per_iteration", m.steps_per_iteration},
                {"samples_per_epoch", m.samples_per_epoch}}},
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
