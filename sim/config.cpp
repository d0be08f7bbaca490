#include "sim/config.hpp"

#include <filesystem>
#include <limits>
#include <set>

#include "models/architecture.hpp"
#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "workloads/generator.hpp"
#include "workloads/importers.hpp"

namespace aisim {
namespace {

constexpr std::int64_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();

// Defaults for optional device parameters; docs/config.md gives the source of each.
constexpr double kDefaultLaunchLatencyS = 5e-6;   // HTA docs: kernel launch 5-20 us CPU side
constexpr double kDefaultKernelOverheadS = 1e-6;  // CUDA Graphs blog: ~0.5-1 us gap per kernel
constexpr double kDefaultMallocLatencyS = 10e-6;  // Cytnx PR #850: malloc+kernel+free ~14 us
constexpr double kDefaultFreeLatencyS = 10e-6;
constexpr double kDefaultContextSwitchS = 2e-6;  // lmbench lat_ctx / pipe ping-pong 1.1-2.4 us
// The indirect (cache-refill) cost depends on the thread's working set: ~3 us for 16 KiB (lmbench
// lat_ctx 2p/16K minus 2p/0K), up to more than 1 ms for large ones (Li, Ding, Shen 2007). No
// single default fits every thread, so none is charged unless the config gives one
// (docs/hardware.md; the shipped configs do).
constexpr double kDefaultContextSwitchCacheRefillS = 0;
constexpr double kDefaultFrameworkOverheadS = 10e-6;
// Assumption (no measurement in docs/): decoding one ImageNet JPEG and augmenting it
// (RandomResizedCrop + flip + normalize) on one core, order of a few ms.
constexpr double kDefaultCpuTimePerSampleS = 5e-3;
// PyTorch DataLoader: prefetch_factor defaults to 2 batches per worker (torch.utils.data docs).
constexpr int kDefaultPrefetchPerWorker = 2;

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void read_peak_flops(JsonObjectReader& r, DeviceSpec& device, DiagnosticSink& sink) {
  const Json* value = r.any("peak_flops");
  const std::string at = r.child("peak_flops");
  if (!value) {
    sink.add(at, "missing required key");
    return;
  }
  if (!value->is_object()) {  // one figure for every precision
    std::string expected;
    if (const auto v = quantity_from_json(*value, Dimension::kFlopRate, Sign::kPositive, &expected))
      device.peak_flops[Precision::kFp32] = *v;
    else
      sink.add(at, expected + ", got " + value->dump());
    return;
  }
  if (value->empty())
    sink.add(at,
             "expected at least one precision (" + std::string(precision_names()) + "), got {}");
  for (const auto& [key, v] : value->items()) {
    const auto precision = precision_from_string(key);
    if (!precision) {
      sink.add(json_pointer_child(at, key),
               "unknown precision \"" + key + "\"; valid: " + std::string(precision_names()));
      continue;
    }
    std::string expected;
    if (const auto q = quantity_from_json(v, Dimension::kFlopRate, Sign::kPositive, &expected))
      device.peak_flops[*precision] = *q;
    else
      sink.add(json_pointer_child(at, key), expected + ", got " + v.dump());
  }
}

// "compute_efficiency": 0.5, or {"default": 1.0, "tf32": 0.28, "fp16": 0.55} (per precision;
// "default", 1.0 when absent, covers the precisions without an entry).
void read_compute_efficiency(JsonObjectReader& r, DeviceSpec& device, DiagnosticSink& sink) {
  const Json* value = r.any("compute_efficiency");
  if (!value) return;
  const std::string at = r.child("compute_efficiency");
  const auto fraction = [&](const Json& v, const std::string& where) -> std::optional<double> {
    if (v.is_number() && v.get<double>() >= 1e-3 && v.get<double>() <= 1.0) return v.get<double>();
    sink.add(where, "expected a number in [0.001, 1], got " + v.dump());
    return std::nullopt;
  };
  if (!value->is_object()) {
    device.compute_efficiency = fraction(*value, at).value_or(1.0);
    return;
  }
  if (value->empty())
    sink.add(at, "expected a number or an object keyed by \"default\" or a precision (" +
                     std::string(precision_names()) + "), got {}");
  for (const auto& [key, v] : value->items()) {
    const std::string where = json_pointer_child(at, key);
    if (key == "default") {
      device.compute_efficiency = fraction(v, where).value_or(1.0);
      continue;
    }
    const auto precision = precision_from_string(key);
    if (!precision) {
      sink.add(where, "unknown precision \"" + key + "\"; valid: default, " +
                          std::string(precision_names()));
      continue;
    }
    if (const auto f = fraction(v, where)) device.compute_efficiency_by_precision[*precision] = *f;
  }
}

DeviceSpec read_device(const Json& value, const std::string& at, DiagnosticSink& sink) {
  DeviceSpec d;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return d;
  d.name = r.string("name", Presence::kRequired).value_or("");
  if (const auto kind = r.string("kind", Presence::kRequired)) {
    if (const auto k = device_kind_from_string(*kind))
      d.kind = *k;
    else
      sink.add(r.child("kind"), "unknown device kind \"" + *kind + "\"; valid: cpu, gpu, tpu, npu");
  }
  d.model = r.string_or("model", "");
  d.cores = static_cast<int>(r.integer_or("cores", 1, 1, 4096));
  read_peak_flops(r, d, sink);
  d.memory_capacity_bytes =
      r.quantity("memory_capacity", Dimension::kBytes, Presence::kRequired).value_or(0);
  d.memory_bandwidth_bytes_per_s =
      r.quantity("memory_bandwidth", Dimension::kBandwidth, Presence::kRequired).value_or(0);
  read_compute_efficiency(r, d, sink);
  d.memory_efficiency = r.number_or("memory_efficiency", 1.0, 1e-3, 1.0);
  d.launch_latency_s =
      r.quantity_or("launch_latency", Dimension::kTime, kDefaultLaunchLatencyS, Sign::kNonNegative);
  d.launch_queue_depth =
      static_cast<int>(r.integer_or("launch_queue_depth", d.launch_queue_depth, 1, 1 << 24));
  d.kernel_overhead_s = r.quantity_or("kernel_overhead", Dimension::kTime, kDefaultKernelOverheadS,
                                      Sign::kNonNegative);
  d.malloc_latency_s =
      r.quantity_or("malloc_latency", Dimension::kTime, kDefaultMallocLatencyS, Sign::kNonNegative);
  d.free_latency_s =
      r.quantity_or("free_latency", Dimension::kTime, kDefaultFreeLatencyS, Sign::kNonNegative);
  d.context_switch_s =
      r.quantity_or("context_switch", Dimension::kTime, kDefaultContextSwitchS, Sign::kNonNegative);
  d.context_switch_cache_refill_s =
      r.quantity_or("context_switch_cache_refill", Dimension::kTime,
                    kDefaultContextSwitchCacheRefillS, Sign::kNonNegative);
  const auto idle =
      r.quantity("idle_power", Dimension::kPower, Presence::kRequired, Sign::kNonNegative);
  const auto busy = r.quantity("busy_power", Dimension::kPower, Presence::kRequired);
  d.idle_power_w = idle.value_or(0);
  d.busy_power_w = busy.value_or(0);
  if (idle && busy && *busy < *idle)
    sink.add(r.child("busy_power"), "expected busy_power >= idle_power (" +
                                        format_quantity(*idle, Dimension::kPower) + "), got " +
                                        format_quantity(*busy, Dimension::kPower));
  r.any("source");  // free-form citation(s), kept in the config echo
  r.finish();
  return d;
}

LinkSpec read_link(const Json& value, const std::string& at, DiagnosticSink& sink) {
  LinkSpec l;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return l;
  l.name = r.string("name", Presence::kRequired).value_or("");
  l.kind = r.string_or("kind", "pcie");
  if (const Json* ends = r.array("endpoints", Presence::kRequired)) {
    if (ends->size() != 2 || !(*ends)[0].is_string() || !(*ends)[1].is_string())
      sink.add(r.child("endpoints"),
               "expected two device names like [\"xeon\", \"a100\"], got " + ends->dump());
    else {
      l.endpoint_a = (*ends)[0].get<std::string>();
      l.endpoint_b = (*ends)[1].get<std::string>();
    }
  }
  l.bandwidth_bytes_per_s =
      r.quantity("bandwidth", Dimension::kBandwidth, Presence::kRequired).value_or(0);
  l.latency_s =
      r.quantity("latency", Dimension::kTime, Presence::kRequired, Sign::kNonNegative).value_or(0);
  r.any("source");
  r.finish();
  return l;
}

// "sequence_length": 128, or {"distribution": "uniform", "min": 32, "max": 128, "multiple_of": 8},
// or {"distribution": "normal", "mean": 96, "stddev": 24, "min": 16, "max": 128}.
SequenceLengthSpec read_sequence_length(const Json& value, const std::string& at,
                                        DiagnosticSink& sink) {
  SequenceLengthSpec spec;
  if (value.is_number_integer() && value.get<std::int64_t>() >= 1 &&
      value.get<std::int64_t>() <= (1 << 20)) {
    spec.fixed = static_cast<int>(value.get<std::int64_t>());
    return spec;
  }
  if (!value.is_object()) {
    sink.add(at,
             "expected a positive integer or an object with \"distribution\", got " + value.dump());
    return spec;
  }
  JsonObjectReader r(value, at, sink);
  const std::string distribution = r.string_or("distribution", "fixed");
  constexpr std::int64_t kMax = 1 << 20;
  spec.multiple_of = static_cast<int>(r.integer_or("multiple_of", 1, 1, 4096));
  if (distribution == "fixed") {
    spec.fixed = static_cast<int>(r.integer("value", Presence::kRequired, 1, kMax).value_or(1));
  } else if (distribution == "uniform" || distribution == "normal") {
    spec.kind = distribution == "uniform" ? SequenceLengthSpec::Kind::kUniform
                                          : SequenceLengthSpec::Kind::kNormal;
    spec.min = static_cast<int>(r.integer("min", Presence::kRequired, 1, kMax).value_or(1));
    spec.max = static_cast<int>(r.integer("max", Presence::kRequired, 1, kMax).value_or(1));
    if (spec.max < spec.min)
      sink.add(r.child("max"), "expected max >= min (" + std::to_string(spec.min) + "), got " +
                                   std::to_string(spec.max));
    if (spec.kind == SequenceLengthSpec::Kind::kNormal) {
      spec.mean = r.number("mean", Presence::kRequired, 1, static_cast<double>(kMax)).value_or(1);
      spec.stddev =
          r.number("stddev", Presence::kRequired, 0, static_cast<double>(kMax)).value_or(0);
    }
  } else {
    sink.add(r.child("distribution"),
             "unknown distribution \"" + distribution + "\"; valid: fixed, normal, uniform");
  }
  r.finish();
  return spec;
}

// The longest length a sequence spec can produce (after padding to multiple_of).
int longest_sequence(const SequenceLengthSpec& s) {
  const int longest = s.kind == SequenceLengthSpec::Kind::kFixed ? s.fixed : s.max;
  return (longest + s.multiple_of - 1) / s.multiple_of * s.multiple_of;
}

JobSpec read_job(const Json& value, const std::string& at, DiagnosticSink& sink,
                 const std::filesystem::path& config_dir) {
  JobSpec j;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return j;
  const auto model = r.string("model", Presence::kOptional);
  auto trace = r.string("trace", Presence::kOptional);
  if (const Json* import = r.object("import", Presence::kOptional)) {
    // {"format": "kineto", "file": "x.json.gz", "step": "all"}: a recorded trace to replay.
    JsonObjectReader ir(*import, r.child("import"), sink);
    trace = ir.string("file", Presence::kRequired);
    j.import_format = ir.string_or("format", "");
    if (!j.import_format.empty() && !trace_format_from_string(j.import_format))
      sink.add(ir.child("format"), "unknown trace format \"" + j.import_format +
                                       "\"; valid: " + std::string(trace_format_names()));
    if (const Json* step = ir.any("step")) {
      if (step->is_string())
        j.import_step = step->get<std::string>();
      else if (step->is_number_integer())
        j.import_step = step->dump();
      else
        sink.add(ir.child("step"),
                 "expected \"all\", \"median\" or a step number, got " + step->dump());
    }
    ir.finish();
  }
  if (int{r.has("model")} + int{r.has("trace")} + int{r.has("import")} != 1)
    sink.add(at,
             "expected exactly one of \"model\" (a model name), \"trace\" (a trace file) or "
             "\"import\" (a recorded trace to import)");
  const bool both = int{r.has("model")} + int{r.has("trace")} + int{r.has("import")} > 1;
  if (model) {
    j.model = *model;
    if (!has_architecture(j.model))
      sink.add(r.child("model"),
               "unknown model \"" + j.model + "\"; valid: " + std::string(architecture_names()));
  }
  if (trace) {
    const std::filesystem::path p(*trace);
    j.trace_path = p.is_absolute() ? p.string() : (config_dir / p).lexically_normal().string();
  }
  j.name = r.string_or("name", model.value_or("job"));
  // A trace carries its own batch size; a job that also gives one must agree (checked on load).
  j.batch_size = static_cast<int>(
      r.integer("batch_size", model && !both ? Presence::kRequired : Presence::kOptional, 1,
                1 << 20)
          .value_or(0));
  // 0 marks "invalid, already reported", so later checks do not report it again.
  j.iterations =
      static_cast<int>(r.integer("iterations", Presence::kRequired, 1, kMaxInt32).value_or(0));
  j.dataset_size = r.integer("dataset_size", Presence::kRequired, 1,
                             std::numeric_limits<std::int64_t>::max() / 2)
                       .value_or(1);
  j.device = r.string("device", Presence::kRequired).value_or("");
  j.precision = r.string_or("precision", "fp32");
  if (!is_training_precision(j.precision))
    sink.add(r.child("precision"), "unknown precision \"" + j.precision +
                                       "\"; valid: " + std::string(training_precision_names()));
  j.framework_overhead_s = r.quantity_or("framework_overhead", Dimension::kTime,
                                         kDefaultFrameworkOverheadS, Sign::kNonNegative);
  j.framework = r.string_or("framework", "pytorch-eager");
  if (j.framework != "pytorch-eager" && j.framework != "xla")
    sink.add(r.child("framework"),
             "unknown framework \"" + j.framework + "\"; valid: pytorch-eager, xla");
  if (const Json* seq = r.any("sequence_length"))
    j.sequence = read_sequence_length(*seq, r.child("sequence_length"), sink);
  const std::string sync = r.string_or("sync", "block");
  if (sync != "block" && sync != "spin")
    sink.add(r.child("sync"), "unknown sync mode \"" + sync + "\"; valid: block, spin");
  j.sync_spin = sync == "spin";
  if (const Json* loader = r.object("data_loader", Presence::kOptional)) {
    JsonObjectReader l(*loader, r.child("data_loader"), sink);
    auto& d = j.data_loader;
    d.workers = static_cast<int>(l.integer_or("workers", 0, 0, 1024));
    d.cpu_time_per_sample_s = l.quantity_or("cpu_time_per_sample", Dimension::kTime,
                                            kDefaultCpuTimePerSampleS, Sign::kNonNegative);
    d.prefetch_batches = static_cast<int>(l.integer_or(
        "prefetch_batches", kDefaultPrefetchPerWorker * std::max(d.workers, 1), 1, 1 << 20));
    d.nice = static_cast<int>(l.integer_or("nice", 0, -20, 19));
    l.finish();
  }
  if (const Json* cotenant = r.any("cotenant")) {
    if (cotenant->is_boolean())
      j.cotenant = cotenant->get<bool>();
    else
      sink.add(r.child("cotenant"), "expected true or false, got " + cotenant->dump());
  }
  if (const Json* optimizer = r.object("optimizer", Presence::kOptional)) {
    JsonObjectReader o(*optimizer, r.child("optimizer"), sink);
    j.optimizer.cpu_time_per_iteration_s = o.quantity("cpu_time_per_iteration", Dimension::kTime,
                                                      Presence::kRequired, Sign::kNonNegative)
                                               .value_or(0);
    j.optimizer.nice = static_cast<int>(o.integer_or("nice", 0, -20, 19));
    o.finish();
  }
  r.finish();
  return j;
}

BackgroundSpec read_background(const Json& value, const std::string& at, DiagnosticSink& sink,
                               size_t index) {
  BackgroundSpec b;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return b;
  b.name = r.string_or("name", "background" + std::to_string(index));
  const std::string kind = r.string_or("kind", "cpu-bound");
  if (kind != "cpu-bound" && kind != "periodic")
    sink.add(r.child("kind"),
             "unknown background kind \"" + kind + "\"; valid: cpu-bound, periodic");
  b.periodic = kind == "periodic";
  b.count = static_cast<int>(r.integer_or("count", 1, 0, 4096));
  b.nice = static_cast<int>(r.integer_or("nice", 0, -20, 19));
  if (b.periodic) {
    b.period_s = r.quantity("period", Dimension::kTime, Presence::kRequired).value_or(1e-3);
    b.duty_cycle = r.number("duty_cycle", Presence::kRequired, 1e-6, 1.0).value_or(1.0);
  } else {
    if (r.has("period"))
      sink.add(r.child("period"), "only periodic background threads take a period");
    if (r.has("duty_cycle"))
      sink.add(r.child("duty_cycle"), "only periodic background threads take a duty_cycle");
  }
  r.finish();
  return b;
}

void check_policy(const std::string& name, const std::vector<std::string>& valid,
                  const std::string& at, const char* what, DiagnosticSink& sink) {
  if (std::find(valid.begin(), valid.end(), name) == valid.end())
    sink.add(at, std::string("unknown ") + what + " \"" + name + "\"; valid: " + list(valid));
}

bool is_point_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
  });
}

// {"scheduler": ..., "memory": ...} of "policies" or of one policy set; `also` lists keys the
// caller reads itself.
PolicySpec read_policies(const Json& value, const std::string& at, DiagnosticSink& sink,
                         std::initializer_list<std::string_view> also = {}) {
  PolicySpec p;
  JsonObjectReader r(value, at, sink);
  if (!r.is_object()) return p;
  for (const auto key : also) r.has(key);
  if (const auto s = r.string("scheduler", Presence::kRequired)) {
    p.scheduler = *s;
    check_policy(*s, SchedulerRegistry::instance().names(), r.child("scheduler"), "scheduler",
                 sink);
  }
  if (const auto m = r.string("memory", Presence::kRequired)) {
    p.memory = *m;
    check_policy(*m, MemoryRegistry::instance().names(), r.child("memory"), "memory policy", sink);
  }
  p.placement = r.string_or("placement", "scheduler");
  check_policy(p.placement, {"heft", "scheduler"}, r.child("placement"), "placement", sink);
  p.starving_queue_depth = static_cast<int>(r.integer_or("starving_queue_depth", 2, 1, 1 << 20));
  r.finish();
  return p;
}

// Checks rules that span sections. A rule whose inputs are already reported as invalid is skipped,
// so that one mistake gives one line: `devices_named` says every device has a valid name,
// `links_read` that the links section is a valid array.
void check_cross_references(const Config& c, DiagnosticSink& sink, bool devices_named,
                            bool links_read) {
  std::set<std::string> names;
  int cpus = 0;
  for (size_t i = 0; i < c.devices.size(); ++i) {
    const auto& d = c.devices[i];
    if (!d.name.empty() && !names.insert(d.name).second)
      sink.add("/devices/" + std::to_string(i) + "/name",
               "duplicate device name \"" + d.name + "\"");
    if (d.kind == DeviceKind::kCpu) ++cpus;
  }
  if (!c.devices.empty() && cpus != 1)
    sink.add("/devices",
             "expected exactly one device of kind \"cpu\" (the host), got " + std::to_string(cpus));
  const int host = cpus == 1 ? c.host_index() : -1;

  std::set<std::string> link_names;
  for (size_t i = 0; i < c.links.size(); ++i) {
    const auto& l = c.links[i];
    const std::string at = "/links/" + std::to_string(i);
    if (!l.name.empty() && !link_names.insert(l.name).second)
      sink.add(at + "/name", "duplicate link name \"" + l.name + "\"");
    for (int e = 0; e < 2; ++e) {
      const auto& end = e == 0 ? l.endpoint_a : l.endpoint_b;
      if (devices_named && !end.empty() && c.device_index(end) < 0)
        sink.add(at + "/endpoints/" + std::to_string(e),
                 "unknown device \"" + end + "\"; devices: " + list({names.begin(), names.end()}));
    }
    if (!l.endpoint_a.empty() && l.endpoint_a == l.endpoint_b)
      sink.add(at + "/endpoints",
               "a link must join two different devices, got \"" + l.endpoint_a + "\" twice");
  }

  // Job names name the report's rows and, with run.job_sets "each", the simulations' points
  // (output directories, --job), so they must be unique and plain.
  std::set<std::string> job_names;
  for (size_t i = 0; i < c.jobs.size(); ++i) {
    const auto& j = c.jobs[i];
    const std::string at = "/jobs/" + std::to_string(i);
    if (!job_names.insert(j.name).second)
      sink.add(at + "/name", "duplicate job name \"" + j.name + "\"");
    else if (!is_point_name(j.name))
      sink.add(at + "/name",
               "expected a name of letters, digits, '-' and '_', got \"" + j.name + "\"");
  }
  if (!c.jobs.empty() &&
      std::all_of(c.jobs.begin(), c.jobs.end(), [](const JobSpec& j) { return j.cotenant; }))
    sink.add("/jobs",
             "expected at least one job that is not a co-tenant (co-tenants run beside "
             "the measured jobs and stop when they end)");

  for (size_t i = 0; i < c.jobs.size(); ++i) {
    const auto& j = c.jobs[i];
    const std::string at = "/jobs/" + std::to_string(i);
    if (j.placeable()) continue;  // "auto": placed per op among the accelerators at run time
    const int dev = c.device_index(j.device);
    if (!j.device.empty() && dev < 0) {
      if (devices_named)
        sink.add(at + "/device", "unknown device \"" + j.device +
                                     "\"; devices: " + list({names.begin(), names.end()}));
      continue;
    }
    if (dev < 0) continue;
    const auto& d = c.devices[dev];
    if (d.kind == DeviceKind::kCpu) {
      sink.add(at + "/device", "jobs run on an accelerator; \"" + j.device + "\" is the host CPU");
      continue;
    }
    // An invalid link endpoint is already reported; do not report its consequences too.
    const bool links_valid = links_read && devices_named &&
                             std::all_of(c.links.begin(), c.links.end(), [&](const LinkSpec& l) {
                               return c.device_index(l.endpoint_a) >= 0 &&
                                      c.device_index(l.endpoint_b) >= 0 &&
                                      l.endpoint_a != l.endpoint_b;
                             });
    if (host >= 0 && links_valid) {
      const bool linked = std::any_of(c.links.begin(), c.links.end(), [&](const LinkSpec& l) {
        return (l.endpoint_a == d.name && l.endpoint_b == c.devices[host].name) ||
               (l.endpoint_b == d.name && l.endpoint_a == c.devices[host].name);
      });
      if (!linked)
        sink.add(at + "/device", "no link joins \"" + d.name + "\" to the host \"" +
                                     c.devices[host].name +
                                     "\" (input batches cross it); add one under /links");
    }
    if (!j.model.empty() && is_training_precision(j.precision)) {
      const Precision p = j.precision == "tf32"   ? Precision::kTf32
                          : j.precision == "amp"  ? Precision::kFp16
                          : j.precision == "bf16" ? Precision::kBf16
                                                  : Precision::kFp32;
      if (d.peak_flops.count(p) == 0 && d.peak_flops.count(Precision::kFp32) == 0)
        sink.add(at + "/precision", "device \"" + d.name + "\" lists no peak_flops for " +
                                        std::string(to_string(p)) + " (nor fp32)");
    }
    if (!j.model.empty() && has_architecture(j.model)) {
      const Architecture arch = architecture_by_name(j.model);
      const int longest = longest_sequence(j.sequence);
      if (arch.max_sequence_length == 0 && longest > 0)
        sink.add(at + "/sequence_length",
                 "model \"" + j.model + "\" has fixed shapes; remove sequence_length");
      else if (longest > arch.max_sequence_length)
        sink.add(at + "/sequence_length", "expected at most " +
                                              std::to_string(arch.max_sequence_length) +
                                              " (the position embeddings of " + j.model +
                                              "), got up to " + std::to_string(longest));
    }
    if (j.iterations > 0 && c.run.warmup_iterations >= j.iterations)
      sink.add(at + "/iterations", "expected more iterations than run.warmup_iterations (" +
                                       std::to_string(c.run.warmup_iterations) + "), got " +
                                       std::to_string(j.iterations));
  }
}

Json sequence_json(const SequenceLengthSpec& s) {
  switch (s.kind) {
    case SequenceLengthSpec::Kind::kFixed:
      return s.fixed == 0 ? Json("trace") : Json(s.fixed);
    case SequenceLengthSpec::Kind::kUniform:
      return {{"distribution", "uniform"},
              {"min", s.min},
              {"max", s.max},
              {"multiple_of", s.multiple_of}};
    case SequenceLengthSpec::Kind::kNormal:
      return {{"distribution", "normal"},
              {"mean", s.mean},
              {"stddev", s.stddev},
              {"min", s.min},
              {"max", s.max},
              {"multiple_of", s.multiple_of}};
  }
  return nullptr;
}

}  // namespace

int Config::host_index() const {
  for (size_t i = 0; i < devices.size(); ++i)
    if (devices[i].kind == DeviceKind::kCpu) return static_cast<int>(i);
  return -1;
}

int Config::device_index(const std::string& name) const {
  for (size_t i = 0; i < devices.size(); ++i)
    if (devices[i].name == name) return static_cast<int>(i);
  return -1;
}

Config config_from_json(const Json& document, const std::string& path) {
  DiagnosticSink sink(path);
  Config c;
  c.path = path;
  const auto config_dir = std::filesystem::path(path).parent_path();
  JsonObjectReader top(document, "", sink);

  if (const Json* devices = top.array("devices", Presence::kRequired)) {
    if (devices->empty())
      sink.add("/devices", "expected at least a host CPU and one accelerator, got []");
    for (size_t i = 0; i < devices->size(); ++i)
      c.devices.push_back(read_device((*devices)[i], json_pointer_child("/devices", i), sink));
  }
  if (const Json* links = top.array("links", Presence::kRequired)) {
    for (size_t i = 0; i < links->size(); ++i)
      c.links.push_back(read_link((*links)[i], json_pointer_child("/links", i), sink));
  }
  if (const Json* run = top.object("run", Presence::kOptional)) {
    JsonObjectReader r(*run, "/run", sink);
    c.run.seed = static_cast<std::uint64_t>(
        r.integer_or("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
    // An invalid value (already reported) becomes 0 so that no job is also reported for it.
    const bool has_warmup = r.has("warmup_iterations");
    c.run.warmup_iterations =
        static_cast<int>(r.integer("warmup_iterations", Presence::kOptional, 0, kMaxInt32)
                             .value_or(has_warmup ? 0 : 1));
    c.run.steady_state_iterations =
        static_cast<int>(r.integer_or("steady_state_iterations", 0, 0, kMaxInt32));
    if (const Json* chunked = r.any("chunked_dispatch")) {
      if (chunked->is_boolean())
        c.run.chunked_dispatch = chunked->get<bool>();
      else
        sink.add(r.child("chunked_dispatch"), "expected true or false, got " + chunked->dump());
    }
    c.run.output_dir = r.string_or("output_dir", "out");
    c.run.util_window_s = r.quantity_or("util_window", Dimension::kTime, 0.1);
    const std::string job_sets = r.string_or("job_sets", "each");
    if (job_sets != "each" && job_sets != "all")
      sink.add(r.child("job_sets"), "unknown job_sets \"" + job_sets + "\"; valid: each, all");
    c.run.job_sets_each = job_sets != "all";
    r.finish();
  } else {
    c.run.output_dir = "out";
  }
  if (const Json* jobs = top.array("jobs", Presence::kRequired)) {
    if (jobs->empty()) sink.add("/jobs", "expected at least one job, got []");
    for (size_t i = 0; i < jobs->size(); ++i)
      c.jobs.push_back(read_job((*jobs)[i], json_pointer_child("/jobs", i), sink, config_dir));
  }
  if (const Json* background = top.array("background_load", Presence::kOptional)) {
    for (size_t i = 0; i < background->size(); ++i)
      c.background_load.push_back(
          read_background((*background)[i], json_pointer_child("/background_load", i), sink, i));
  }
  // Either one pair of policies, or named policy sets to compare (the first is the baseline).
  const bool has_sets = top.has("policy_sets");
  if (has_sets && top.has("policies"))
    sink.add("/policy_sets", "expected either \"policies\" or \"policy_sets\", not both");
  if (!has_sets) {
    if (const Json* policies = top.object("policies", Presence::kRequired)) {
      const PolicySpec p = read_policies(*policies, "/policies", sink);
      c.policy_sets.push_back({p.scheduler + "+" + p.memory, p});
    }
  } else if (const Json* sets = top.array("policy_sets", Presence::kRequired)) {
    if (sets->empty()) sink.add("/policy_sets", "expected at least one policy set, got []");
    for (size_t i = 0; i < sets->size(); ++i) {
      const std::string at = json_pointer_child("/policy_sets", i);
      JsonObjectReader r((*sets)[i], at, sink);
      if (!r.is_object()) continue;
      PolicySet set;
      set.name = r.string("name", Presence::kRequired).value_or("");
      if (r.has("name") && !is_point_name(set.name))
        sink.add(r.child("name"),
                 "expected a name of letters, digits, '-' and '_', got \"" + set.name + "\"");
      for (const auto& other : c.policy_sets)
        if (!set.name.empty() && other.name == set.name)
          sink.add(r.child("name"), "duplicate policy set name \"" + set.name + "\"");
      set.policies = read_policies((*sets)[i], at, sink, {"name"});
      c.policy_sets.push_back(set);
    }
  }
  if (!c.policy_sets.empty()) c.policies = c.policy_sets.front().policies;
  top.any("$schema");
  top.any("description");
  top.finish();
  const bool devices_named =
      !c.devices.empty() && std::all_of(c.devices.begin(), c.devices.end(),
                                        [](const DeviceSpec& d) { return !d.name.empty(); });
  const bool links_read =
      document.is_object() && document.contains("links") && document["links"].is_array();
  check_cross_references(c, sink, devices_named, links_read);
  sink.throw_if_any<ConfigError>();
  if (c.run.steady_state_iterations > 0) {
    const int simulated = c.run.warmup_iterations + c.run.steady_state_iterations;
    for (JobSpec& j : c.jobs) j.iterations = std::min(j.iterations, simulated);
  }
  return c;
}

namespace {

// A config may start from another: {"extends": "a100_tpu.json", ...} applies this file to the base
// as a JSON merge patch (RFC 7386: objects merge key by key, arrays and values replace, null
// deletes). The base path is relative to the extending file; chains are followed up to a depth.
Json resolve_extends(Json document, const std::string& path, int depth) {
  if (!document.is_object() || !document.contains("extends")) return document;
  DiagnosticSink sink(path);
  const Json& base_ref = document["extends"];
  if (!base_ref.is_string() || base_ref.get<std::string>().empty()) {
    sink.add("/extends", "expected the path of a base config, got " + base_ref.dump());
    sink.throw_if_any<ConfigError>();
  }
  if (depth >= 8) {
    sink.add("/extends", "more than 8 levels of \"extends\" (is there a loop?)");
    sink.throw_if_any<ConfigError>();
  }
  const auto base_path = (std::filesystem::path(path).parent_path() / base_ref.get<std::string>())
                             .lexically_normal()
                             .string();
  if (!std::filesystem::is_regular_file(base_path)) {
    sink.add("/extends", "cannot open base config " + base_path);
    sink.throw_if_any<ConfigError>();
  }
  DiagnosticSink base_sink(base_path);
  auto base = read_json_file(base_path, base_sink);
  base_sink.throw_if_any<ConfigError>();
  Json merged = resolve_extends(std::move(*base), base_path, depth + 1);
  document.erase("extends");
  merged.merge_patch(document);
  return merged;
}

// Sets one dotted key in the document. Missing object members are created (so that run.seed
// works in a config without "run"); arrays are indexed, never grown.
void apply_override(Json& document, const ConfigOverride& o, DiagnosticSink& sink) {
  const std::string origin = "--set " + o.key;
  Json* node = &document;
  std::string pointer;
  size_t begin = 0;
  while (true) {
    const size_t dot = o.key.find('.', begin);
    const std::string part = o.key.substr(begin, dot == std::string::npos ? dot : dot - begin);
    const bool last = dot == std::string::npos;
    if (part.empty()) {
      sink.add(origin, "expected a dotted key such as jobs.0.batch_size, got \"" + o.key + "\"");
      return;
    }
    if (node->is_array()) {
      const bool numeric = std::all_of(part.begin(), part.end(), [](char ch) {
        return std::isdigit(static_cast<unsigned char>(ch));
      });
      const size_t index = numeric && part.size() < 9 ? std::stoul(part) : node->size();
      if (!numeric || index >= node->size()) {
        sink.add(origin, pointer + " is an array of " + std::to_string(node->size()) +
                             " elements; expected an index below " + std::to_string(node->size()) +
                             ", got \"" + part + "\"");
        return;
      }
      node = &(*node)[index];
    } else {
      if (node->is_null()) *node = Json::object();
      if (!node->is_object()) {
        sink.add(origin, (pointer.empty() ? std::string("/") : pointer) +
                             " is not an object (it is " + node->dump() + ")");
        return;
      }
      node = &(*node)[part];
    }
    pointer += "/" + part;
    if (last) break;
    begin = dot + 1;
  }
  Json value = Json::parse(o.value, nullptr, /*allow_exceptions=*/false);
  *node = value.is_discarded() ? Json(o.value) : std::move(value);
}

}  // namespace

ConfigOverride parse_override(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(
        {{"", "--set", "expected key=value (e.g. jobs.0.batch_size=64), got \"" + text + "\""}});
  return {text.substr(0, eq), text.substr(eq + 1)};
}

Config load_config(const std::string& path, const std::vector<ConfigOverride>& overrides) {
  DiagnosticSink sink(path);
  const auto document = read_json_file(path, sink);
  sink.throw_if_any<ConfigError>();
  Json resolved = resolve_extends(*document, path, 0);
  for (const auto& o : overrides) apply_override(resolved, o, sink);
  sink.throw_if_any<ConfigError>();
  return config_from_json(resolved, path);
}

namespace {
// A single number when no precision has its own efficiency (as configs wrote it before), else
// {"default": x, "<precision>": y, ...}.
Json compute_efficiency_echo(const DeviceSpec& d) {
  if (d.compute_efficiency_by_precision.empty()) return d.compute_efficiency;
  Json out = {{"default", d.compute_efficiency}};
  for (const auto& [p, f] : d.compute_efficiency_by_precision) out[std::string(to_string(p))] = f;
  return out;
}
}  // namespace

Json Config::resolved() const {
  Json devs = Json::array();
  for (const auto& d : devices) {
    Json peaks = Json::object();
    for (const auto& [p, f] : d.peak_flops) peaks[std::string(to_string(p))] = f;
    devs.push_back({{"name", d.name},
                    {"kind", to_string(d.kind)},
                    {"model", d.model},
                    {"cores", d.cores},
                    {"peak_flops", peaks},
                    {"memory_capacity_bytes", d.memory_capacity_bytes},
                    {"memory_bandwidth_bytes_per_s", d.memory_bandwidth_bytes_per_s},
                    {"compute_efficiency", compute_efficiency_echo(d)},
                    {"memory_efficiency", d.memory_efficiency},
                    {"launch_latency_s", d.launch_latency_s},
                    {"kernel_overhead_s", d.kernel_overhead_s},
                    {"launch_queue_depth", d.launch_queue_depth},
                    {"malloc_latency_s", d.malloc_latency_s},
                    {"free_latency_s", d.free_latency_s},
                    {"context_switch_s", d.context_switch_s},
                    {"context_switch_cache_refill_s", d.context_switch_cache_refill_s},
                    {"idle_power_w", d.idle_power_w},
                    {"busy_power_w", d.busy_power_w}});
  }
  Json lks = Json::array();
  for (const auto& l : links)
    lks.push_back({{"name", l.name},
                   {"kind", l.kind},
                   {"endpoints", {l.endpoint_a, l.endpoint_b}},
                   {"bandwidth_bytes_per_s", l.bandwidth_bytes_per_s},
                   {"latency_s", l.latency_s}});
  Json jbs = Json::array();
  for (const auto& j : jobs)
    jbs.push_back({{"name", j.name},
                   {"model", j.model},
                   {"trace", j.trace_path},
                   {"import_format", j.import_format},
                   {"import_step", j.import_step},
                   {"batch_size", j.batch_size},
                   {"dataset_size", j.dataset_size},
                   {"iterations", j.iterations},
                   {"device", j.device},
                   {"precision", j.precision},
                   {"framework_overhead_s", j.framework_overhead_s},
                   {"framework", j.framework},
                   {"optimizer",
                    {{"cpu_time_per_iteration_s", j.optimizer.cpu_time_per_iteration_s},
                     {"nice", j.optimizer.nice}}},
                   {"sequence_length", sequence_json(j.sequence)},

                   {"sync", j.sync_spin ? "spin" : "block"},
                   {"data_loader",
                    {{"workers", j.data_loader.workers},
                     {"cpu_time_per_sample_s", j.data_loader.cpu_time_per_sample_s},
                     {"prefetch_batches", j.data_loader.prefetch_batches},
                     {"nice", j.data_loader.nice}}},
                   {"cotenant", j.cotenant}});
  Json sets = Json::array();
  for (const auto& p : policy_sets)
    sets.push_back({{"name", p.name},
                    {"scheduler", p.policies.scheduler},
                    {"memory", p.policies.memory},
                    {"placement", p.policies.placement},
                    {"starving_queue_depth", p.policies.starving_queue_depth}});
  Json bg = Json::array();
  for (const auto& b : background_load)
    bg.push_back({{"name", b.name},
                  {"kind", b.periodic ? "periodic" : "cpu-bound"},
                  {"count", b.count},
                  {"nice", b.nice},
                  {"period_s", b.period_s},
                  {"duty_cycle", b.duty_cycle}});
  return {{"path", path},
          {"devices", devs},
          {"links", lks},
          {"jobs", jbs},
          {"background_load", bg},
          {"policies",
           {{"scheduler", policies.scheduler},
            {"memory", policies.memory},
            {"placement", policies.placement},
            {"starving_queue_depth", policies.starving_queue_depth}}},
          {"policy_sets", sets},
          {"run",
           {{"seed", run.seed},
            {"warmup_iterations", run.warmup_iterations},
            {"steady_state_iterations", run.steady_state_iterations},
            {"chunked_dispatch", run.chunked_dispatch},
            {"output_dir", run.output_dir},
            {"util_window_s", run.util_window_s},
            {"job_sets", run.job_sets_each ? "each" : "all"}}}};
}

std::vector<ExperimentPoint> Config::points() const {
  std::vector<std::string> job_sets;
  if (!run.job_sets_each)
    job_sets.push_back("all");
  else
    for (const auto& j : jobs)
      if (!j.cotenant) job_sets.push_back(j.name);
  std::vector<ExperimentPoint> out;
  for (const auto& js : job_sets)
    for (const auto& ps : policy_sets) out.push_back({js, ps.name});
  return out;
}

Config Config::select(const std::string& job_set, const std::string& policy_set,
                      const std::string& origin) const {
  DiagnosticSink sink(path);
  Config c = *this;
  if (!job_set.empty() && job_set != "all") {
    const auto it = std::find_if(jobs.begin(), jobs.end(), [&](const JobSpec& j) {
      return j.name == job_set && !j.cotenant;
    });
    if (!run.job_sets_each || it == jobs.end()) {
      std::vector<std::string> valid;
      for (const auto& p : points()) valid.push_back(p.job_set);
      valid.erase(std::unique(valid.begin(), valid.end()), valid.end());
      sink.add(origin, "unknown job set \"" + job_set + "\"; valid: " + list(valid));
    } else {
      c.jobs.clear();
      for (const auto& j : jobs)
        if (j.cotenant || j.name == job_set) c.jobs.push_back(j);
    }
  } else if (job_set == "all" && run.job_sets_each) {
    sink.add(origin, "job set \"all\" needs run.job_sets \"all\"");
  }
  if (!policy_set.empty()) {
    const auto it = std::find_if(policy_sets.begin(), policy_sets.end(),
                                 [&](const PolicySet& p) { return p.name == policy_set; });
    if (it == policy_sets.end()) {
      std::vector<std::string> valid;
      for (const auto& p : policy_sets) valid.push_back(p.name);
      sink.add(origin, "unknown policy set \"" + policy_set + "\"; valid: " + list(valid));
    } else {
      c.policy_sets = {*it};
      c.policies = it->policies;
    }
  }
  sink.throw_if_any<ConfigError>();
  return c;
}

}  // namespace aisim
