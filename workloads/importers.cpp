// Format detection, the shared helpers of the importers, and the PyTorch execution trace (ET)
// and Chakra JSON importers. The Kineto importer is in kineto_importer.cpp.
#include "workloads/importers.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "workloads/json_stream.hpp"
#include "workloads/trace_io.hpp"

namespace aisim {

std::string_view to_string(TraceFormat format) {
  switch (format) {
    case TraceFormat::kAisim:
      return "aisim";
    case TraceFormat::kKineto:
      return "kineto";
    case TraceFormat::kPytorchEt:
      return "pytorch-et";
    case TraceFormat::kChakra:
      return "chakra";
  }
  return "?";
}
std::optional<TraceFormat> trace_format_from_string(std::string_view name) {
  for (auto f :
       {TraceFormat::kAisim, TraceFormat::kKineto, TraceFormat::kPytorchEt, TraceFormat::kChakra})
    if (to_string(f) == name) return f;
  return std::nullopt;
}
std::string_view trace_format_names() {
  return "aisim, chakra, kineto, pytorch-et";
}

namespace {
bool is_gzip_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char magic[2] = {0, 0};
  const bool gzip = std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::fclose(f);
  return gzip;
}
}  // namespace

std::optional<TraceFormat> detect_trace_format(const std::string& path) {
  // The first top-level key that identifies a format wins (Kineto files may start with a long
  // deviceProperties list, so look at the first 256 KiB).
  const std::string head = peek_file_content(path, 1 << 18);
  const std::pair<const char*, TraceFormat> markers[] = {
      {"\"aisim-trace\"", TraceFormat::kAisim},    {"\"traceEvents\"", TraceFormat::kKineto},
      {"\"schemaVersion\"", TraceFormat::kKineto}, {"\"workload_graph\"", TraceFormat::kChakra},
      {"\"schema\"", TraceFormat::kPytorchEt},     {"\"nodes\"", TraceFormat::kPytorchEt}};
  size_t best = std::string::npos;
  std::optional<TraceFormat> found;
  for (const auto& [marker, format] : markers) {
    const size_t at = head.find(marker);
    if (at < best) best = at, found = format;
  }
  return found;
}

OpKind op_kind_from_name(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto has = [&](const char* s) { return n.find(s) != std::string::npos; };
  if (has("nccl") || has("rccl") || has("c10d::") || has("all_reduce") || has("allreduce"))
    return OpKind::kCollective;
  if (has("memcpy") || has("copy_")) return OpKind::kMemcpy;
  if (has("conv") || has("wgrad") || has("dgrad") || has("implicit_gemm")) return OpKind::kConv;
  if (has("attention") || has("sdpa") || has("flash")) return OpKind::kAttention;
  if (has("gemm") || has("matmul") || has("addmm") || has("aten::mm") || has("bmm") ||
      has("linear"))
    return OpKind::kMatmul;
  if (has("softmax")) return OpKind::kSoftmax;
  if (has("norm") || has("bn_")) return OpKind::kNorm;
  if (has("pool")) return OpKind::kPool;
  if (has("embedding")) return OpKind::kEmbedding;
  if (has("loss") || has("nll") || has("cross_entropy")) return OpKind::kLoss;
  if (has("sgd") || has("adam") || has("optimizer") || has("_foreach_")) return OpKind::kOptimizer;
  return OpKind::kElementwise;
}

std::vector<size_t> topological_order(const std::vector<std::vector<size_t>>& deps,
                                      const std::vector<std::string>& names,
                                      const std::string& pointer, DiagnosticSink& sink) {
  const size_t n = deps.size();
  std::vector<std::vector<size_t>> users(n);
  std::vector<size_t> missing(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (size_t d : deps[i]) users[d].push_back(i), ++missing[i];
  // Kahn's algorithm; the smallest ready index first keeps the recorded order where it can.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (missing[i] == 0) ready.push(i);
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t u : users[i])
      if (--missing[u] == 0) ready.push(u);
  }
  if (order.size() == n) return order;
  // Every op left waits on another op left: walk dependencies from one until an op repeats.
  size_t at = 0;
  while (missing[at] == 0) ++at;
  std::vector<size_t> path;
  std::vector<int> seen_at(n, -1);
  while (seen_at[at] < 0) {
    seen_at[at] = static_cast<int>(path.size());
    path.push_back(at);
    for (size_t d : deps[at])
      if (missing[d] > 0) {
        at = d;
        break;
      }
  }
  std::string cycle;
  for (size_t k = static_cast<size_t>(seen_at[at]); k < path.size(); ++k)
    cycle += names[path[k]] + " -> ";
  sink.add(pointer, "dependency cycle: " + cycle + names[at]);
  return {};
}

namespace {

// ET schema versions this importer reads (tensor tuples of six: id, storage, offset, numel,
// element bytes, device).
constexpr std::string_view kEtSchemas[] = {"1.0.2-chakra.0.0.4", "1.0.3-chakra.0.0.4",
                                           "1.0.4-chakra.0.0.4", "1.1.0-chakra.0.0.4",
                                           "1.1.1-chakra.0.0.4"};

struct EtTensor {
  std::int64_t id, storage;
  double bytes;
  std::string device;
  std::string pointer;
};
struct EtNode {
  std::int64_t id = 0, parent = -1;
  std::string name;
  std::vector<EtTensor> inputs, outputs;
  std::string pointer;
};

// Tensors of an ET "inputs"/"outputs" object: values whose type is Tensor(...) are tuples, and
// GenericList[Tensor...] values are lists of them.
void read_et_tensors(const Json& io, const std::string& at, std::vector<EtTensor>& out,
                     DiagnosticSink& sink) {
  if (!io.is_object()) return;
  const auto values = io.find("values");
  const auto types = io.find("types");
  if (values == io.end() || types == io.end() || !values->is_array() || !types->is_array()) {
    sink.add(at, "missing field \"values\" or \"types\" (arrays)");
    return;
  }
  const std::function<void(const Json&, const std::string&)> tuple = [&](const Json& v,
                                                                         const std::string& p) {
    if (!v.is_array() || v.size() != 6 || !v[0].is_number_integer() || !v[1].is_number_integer() ||
        !v[3].is_number_integer() || !v[4].is_number_integer()) {
      sink.add(p,
               "expected a tensor tuple [id, storage, offset, numel, element bytes, device], got " +
                   v.dump());
      return;
    }
    const auto numel = v[3].get<std::int64_t>(), element = v[4].get<std::int64_t>();
    if (numel < 0 || element < 0) {
      sink.add(json_pointer_child(p, numel < 0 ? 3 : 4),
               std::string("expected a non-negative ") +
                   (numel < 0 ? "element count" : "element size") + ", got " +
                   std::to_string(numel < 0 ? numel : element));
      return;
    }
    if (numel == 0) return;  // an undefined tensor (nullptr)
    out.push_back({v[0].get<std::int64_t>(), v[1].get<std::int64_t>(),
                   static_cast<double>(numel) * static_cast<double>(element),
                   v[5].is_string() ? v[5].get<std::string>() : "", p});
  };
  for (size_t k = 0; k < values->size() && k < types->size(); ++k) {
    const std::string type = (*types)[k].is_string() ? (*types)[k].get<std::string>() : "";
    const std::string p = json_pointer_child(json_pointer_child(at, "values"), k);
    if (type.rfind("Tensor(", 0) == 0) {
      tuple((*values)[k], p);
    } else if (type.rfind("GenericList[Tensor", 0) == 0 && (*values)[k].is_array()) {
      for (size_t t = 0; t < (*values)[k].size(); ++t)
        tuple((*values)[k][t], json_pointer_child(p, t));
    }
  }
}

std::optional<Phase> phase_of(std::string_view name) {
  if (name.rfind("Optimizer.", 0) == 0) return Phase::kOptimizer;
  if (name.find("Backward") != std::string_view::npos || name.rfind("autograd::", 0) == 0)
    return Phase::kBackward;
  if (name.find("DataLoader") != std::string_view::npos) return Phase::kData;
  return std::nullopt;
}

}  // namespace

Trace import_pytorch_et(const std::string& path, const ImportOptions& options) {
  DiagnosticSink sink(path);
  std::vector<EtNode> nodes;
  const Json header = stream_json_file(
      path, {"nodes"},
      [&](std::string_view, size_t index, Json& v) {
        const std::string at = json_pointer_child("/nodes", index);
        JsonObjectReader r(v, at, sink);
        if (!r.is_object()) return;
        EtNode n;
        n.pointer = at;
        n.id = r.integer("id", Presence::kRequired, 0, std::numeric_limits<std::int64_t>::max())
                   .value_or(-1);
        n.name = r.string("name", Presence::kRequired).value_or("");
        if (const Json* c = r.any("ctrl_deps")) {
          if (c->is_number_integer())
            n.parent = c->get<std::int64_t>();
          else
            sink.add(r.child("ctrl_deps"), "expected the parent node's id, got " + c->dump());
        }
        if (const Json* in = r.object("inputs", Presence::kRequired))
          read_et_tensors(*in, r.child("inputs"), n.inputs, sink);
        if (const Json* out = r.object("outputs", Presence::kRequired))
          read_et_tensors(*out, r.child("outputs"), n.outputs, sink);
        nodes.push_back(std::move(n));  // other keys (attrs, timing) are not used: no finish()
      },
      sink);
  sink.throw_if_any<TraceError>();
  const auto schema = header.find("schema");
  if (schema == header.end() || !schema->is_string()) {
    sink.add("/schema", "missing field \"schema\" (the execution-trace schema version)");
  } else if (std::find(std::begin(kEtSchemas), std::end(kEtSchemas), schema->get<std::string>()) ==
             std::end(kEtSchemas)) {
    std::string supported;
    for (auto s : kEtSchemas) supported += (supported.empty() ? "" : ", ") + std::string(s);
    sink.add("/schema", "unsupported execution-trace schema \"" + schema->get<std::string>() +
                            "\"; supported: " + supported);
  }
  if (!header.contains("nodes") && nodes.empty()) sink.add("/nodes", "missing field \"nodes\"");
  sink.throw_if_any<TraceError>();

  std::unordered_map<std::int64_t, size_t> index_of;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!index_of.emplace(nodes[i].id, i).second)
      sink.add(nodes[i].pointer + "/id", "duplicate node id " + std::to_string(nodes[i].id));
  std::vector<bool> has_child(nodes.size(), false);
  for (const auto& n : nodes) {
    if (n.parent < 0 || n.parent == n.id) continue;
    const auto p = index_of.find(n.parent);
    if (p == index_of.end() && n.parent != 0 && n.parent != 1)  // 1: the implicit root of ET files
      sink.add(n.pointer + "/ctrl_deps",
               "unknown node " + std::to_string(n.parent) + " (dangling parent id)");
    else if (p != index_of.end())
      has_child[p->second] = true;
  }
  sink.throw_if_any<TraceError>();
  // The step and phase of a node come from its ancestors.
  const auto ancestors = [&](size_t i, const std::function<bool(const EtNode&)>& visit) {
    for (int guard = 0; guard < 1000; ++guard) {
      if (visit(nodes[i])) return;
      const auto p = index_of.find(nodes[i].parent);
      if (p == index_of.end() || p->second == i) return;
      i = p->second;
    }
  };
  std::set<std::string> steps_with_ops;
  std::vector<size_t> chosen;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    // Leaf operators only: a parent (aten::conv2d) and its children (aten::convolution) are the
    // same work; annotations ("## ... ##", "[pytorch|...]", ProfilerStep#) are not work.
    if (has_child[i] || n.name.empty() || n.name[0] == '#' || n.name[0] == '[' ||
        n.name.rfind("ProfilerStep#", 0) == 0)
      continue;
    std::string step;
    ancestors(i, [&](const EtNode& a) {
      if (a.name.rfind("ProfilerStep#", 0) != 0) return false;
      step = a.name.substr(13);
      return true;
    });
    if (!step.empty()) steps_with_ops.insert(step);
    if (options.step == "all" || options.step == step) chosen.push_back(i);
  }
  if (chosen.empty()) {
    std::string available;
    for (const auto& s : steps_with_ops) available += (available.empty() ? "" : ", ") + s;
    sink.add("/nodes", "no operators in step \"" + options.step + "\"; steps with operators: " +
                           (available.empty() ? "none" : available) + " (or \"all\")");
  }
  sink.throw_if_any<TraceError>();

  // Ops in node-id order (ET records ids in execution order); a reader depends on the last
  // earlier writer of each tensor it reads.
  std::sort(chosen.begin(), chosen.end(),
            [&](size_t a, size_t b) { return nodes[a].id < nodes[b].id; });
  Trace trace;
  auto& m = trace.metadata;
  m.model = "pytorch-et:" + path.substr(path.find_last_of('/') + 1);
  m.batch_size = options.batch_size;
  m.steps_per_iteration =
      options.step == "all" ? std::max<int>(1, static_cast<int>(steps_with_ops.size())) : 1;
  m.samples_per_iteration = options.batch_size * m.steps_per_iteration;
  m.precision = "fp32";
  std::map<std::pair<std::int64_t, std::int64_t>, TensorId> tensor_of;  // (id, storage) -> aisim id
  std::map<TensorId, OpId> last_writer;
  std::set<TensorId> written;
  const auto tensor_id = [&](const EtTensor& t) {
    const auto [it, added] =
        tensor_of.emplace(std::make_pair(t.id, t.storage), trace.tensors.size());
    if (added) {
      Tensor x;
      x.id = it->second;
      x.name = "et_tensor" + std::to_string(t.id);
      x.bytes = t.bytes;
      trace.tensors.push_back(std::move(x));
    }
    return it->second;
  };
  for (size_t i : chosen) {
    const auto& n = nodes[i];
    Op op;
    op.id = static_cast<OpId>(trace.ops.size());
    op.name = n.name;
    op.kind = op_kind_from_name(n.name);
    op.phase = Phase::kForward;
    ancestors(i, [&](const EtNode& a) {
      if (const auto p = phase_of(a.name)) {
        op.phase = *p;
        return true;
      }
      return false;
    });
    bool on_device = false;
    std::set<OpId> deps;
    for (const auto& t : n.inputs) {
      const TensorId id = tensor_id(t);
      op.bytes_read = op.bytes_read + t.bytes;
      on_device |= t.device.rfind("cpu", 0) != 0 && !t.device.empty();
      if (const auto w = last_writer.find(id); w != last_writer.end()) deps.insert(w->second);
      if (std::find(op.inputs.begin(), op.inputs.end(), id) == op.inputs.end())
        op.inputs.push_back(id);
    }
    for (const auto& t : n.outputs) {
      const TensorId id = tensor_id(t);
      op.bytes_written = op.bytes_written + t.bytes;
      on_device |= t.device.rfind("cpu", 0) != 0 && !t.device.empty();
      // An in-place op writes a tensor again: it depends on the previous writer, and only the
      // first writer is its producer (the aisim format allows one producer per tensor).
      if (const auto w = last_writer.find(id); w != last_writer.end()) deps.insert(w->second);
      if (written.insert(id).second &&
          std::find(op.inputs.begin(), op.inputs.end(), id) == op.inputs.end())
        op.outputs.push_back(id);
      last_writer[id] = op.id;
    }
    if (!on_device && (!n.inputs.empty() || !n.outputs.empty())) op.kind = OpKind::kCpu;
    deps.erase(op.id);
    op.deps.assign(deps.begin(), deps.end());
    trace.ops.push_back(std::move(op));
  }
  // Tensors that no chosen op writes were made before the window (weights, inputs, buffers).
  for (auto& t : trace.tensors)
    t.role = written.count(t.id) ? TensorRole::kActivation : TensorRole::kWeight;
  return trace;
}

Trace import_chakra(const std::string& path, const ImportOptions& options) {
  DiagnosticSink sink(path);
  struct Node {
    std::int64_t id;
    std::string name;
    int type;
    bool cpu;
    std::optional<double> runtime_us;
    std::vector<std::int64_t> data_deps;
    std::string pointer;
  };
  std::vector<Node> nodes;
  const Json header = stream_json_file(
      path, {"workload_graph"},
      [&](std::string_view, size_t index, Json& v) {
        const std::string at = json_pointer_child("/workload_graph", index);
        JsonObjectReader r(v, at, sink);
        if (!r.is_object()) return;
        Node n;
        n.pointer = at;
        n.id = r.integer("Id", Presence::kRequired, 0, std::numeric_limits<std::int64_t>::max())
                   .value_or(-1);
        n.name = r.string("Name", Presence::kRequired).value_or("");
        n.type = static_cast<int>(r.integer("NodeType", Presence::kRequired, 0, 1000).value_or(0));
        n.runtime_us = r.number("runtime", Presence::kOptional, 0, 1e15);
        const Json* cpu = r.any("is_cpu_op");
        n.cpu = cpu && cpu->is_boolean() && cpu->get<bool>();
        if (const Json* deps = r.array("data_deps", Presence::kOptional))
          for (size_t d = 0; d < deps->size(); ++d) {
            if ((*deps)[d].is_number_integer())
              n.data_deps.push_back((*deps)[d].get<std::int64_t>());
            else
              sink.add(json_pointer_child(r.child("data_deps"), d),
                       "expected a node id, got " + (*deps)[d].dump());
          }
        nodes.push_back(std::move(n));
      },
      sink);
  if (!header.contains("workload_graph") && nodes.empty())
    sink.add("/workload_graph", "missing field \"workload_graph\" (the Chakra node list)");
  sink.throw_if_any<TraceError>();
  std::unordered_map<std::int64_t, size_t> index_of;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!index_of.emplace(nodes[i].id, i).second)
      sink.add(nodes[i].pointer + "/Id", "duplicate node id " + std::to_string(nodes[i].id));
  // Data dependencies must name nodes of the file. (ctrlDeps may name parents that a subset
  // file left out, as small_chakra.0.json does; they order nothing here and are not read.)
  std::vector<std::vector<size_t>> deps(nodes.size());
  std::vector<std::string> names;
  for (size_t i = 0; i < nodes.size(); ++i) {
    names.push_back(nodes[i].name + " (Id " + std::to_string(nodes[i].id) + ")");
    for (size_t d = 0; d < nodes[i].data_deps.size(); ++d) {
      const auto it = index_of.find(nodes[i].data_deps[d]);
      if (it == index_of.end())
        sink.add(
            json_pointer_child(nodes[i].pointer + "/data_deps", d),
            "unknown node " + std::to_string(nodes[i].data_deps[d]) + " (dangling dependency)");
      else
        deps[i].push_back(it->second);
    }
  }
  sink.throw_if_any<TraceError>();
  const auto order = topological_order(deps, names, "/workload_graph", sink);
  sink.throw_if_any<TraceError>();
  Trace trace;
  trace.metadata.model = "chakra:" + path.substr(path.find_last_of('/') + 1);
  trace.metadata.batch_size = trace.metadata.samples_per_iteration = options.batch_size;
  trace.metadata.precision = "fp32";
  std::vector<OpId> op_of(nodes.size());
  for (size_t k = 0; k < order.size(); ++k) op_of[order[k]] = static_cast<OpId>(k);
  constexpr int kChakraCommColl = 7;  // Chakra NodeType COMM_COLL_NODE
  for (size_t k = 0; k < order.size(); ++k) {
    const Node& n = nodes[order[k]];
    Op op;
    op.id = static_cast<OpId>(k);
    op.name = n.name;
    op.kind = n.cpu                       ? OpKind::kCpu
              : n.type == kChakraCommColl ? OpKind::kCollective
                                          : op_kind_from_name(n.name);
    op.phase = phase_of(n.name).value_or(Phase::kForward);
    if (n.runtime_us) {
      if (n.cpu)
        op.host_us = *n.runtime_us;
      else
        op.duration_us["gpu"] = *n.runtime_us;
    }
    for (size_t d : deps[order[k]]) op.deps.push_back(op_of[d]);
    std::sort(op.deps.begin(), op.deps.end());
    trace.ops.push_back(std::move(op));
  }
  return trace;
}

Trace import_trace(const std::string& path, std::optional<TraceFormat> format,
                   const ImportOptions& options) {
  if (!format) format = detect_trace_format(path);
  if (!format) {
    DiagnosticSink sink(path);
    sink.add("", std::string("cannot tell the trace format from the content (missing, empty or "
                             "not one of: ") +
                     std::string(trace_format_names()) + ")");
    sink.throw_if_any<TraceError>();
  }
  switch (*format) {
    case TraceFormat::kAisim: {
      if (!is_gzip_file(path)) return load_trace_file(path);  // errors with line and column
      // Streamed like the others so that a gzip-compressed aisim trace reads too.
      DiagnosticSink sink(path);
      const Json document = stream_json_file(
          path, {}, [](std::string_view, size_t, Json&) {}, sink);
      sink.throw_if_any<TraceError>();
      return trace_from_json(document, path);
    }
    case TraceFormat::kKineto:
      return import_kineto(path, options);
    case TraceFormat::kPytorchEt:
      return import_pytorch_et(path, options);
    case TraceFormat::kChakra:
      return import_chakra(path, options);
  }
  return {};
}

}  // namespace aisim
