// PyTorch profiler (Kineto) Chrome-trace JSON -> aisim Trace with measured durations.
//
// Each device activity (kernel, memcpy, memset) becomes one op carrying its measured duration
// for the device kind its category maps to. It is linked to the host call that launched it by
// the correlation id (or, failing that, the ac2g flow), and the host time before each launch is
// the gap since the previous launch minus the time the host spent waiting: in a synchronising
// call (then the op is marked host_sync) or in a launch blocked on a full launch queue (the
// replaying device's bounded queue recreates that wait). docs/validation.md shows the replay.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "models/device_spec.hpp"
#include "workloads/importers.hpp"
#include "workloads/json_stream.hpp"

namespace aisim {
namespace {

// Device activity categories, current and legacy names, and the device kind they run on.
// New accelerators are one row here (no device names in the code).
struct DeviceCategory {
  std::string_view category;
  std::string_view device_kind;
  std::optional<OpKind> op_kind;  // nullopt: from the activity's name
};
constexpr DeviceCategory kDeviceCategories[] = {
    {"kernel", "gpu", std::nullopt},
    {"Kernel", "gpu", std::nullopt},
    {"gpu_memcpy", "gpu", OpKind::kMemcpy},
    {"Memcpy", "gpu", OpKind::kMemcpy},
    {"gpu_memset", "gpu", OpKind::kElementwise},
    {"Memset", "gpu", OpKind::kElementwise},
    {"mtia_ccp_events", "npu", std::nullopt},
};
// Host-side calls that launch device work or synchronise with it.
constexpr std::string_view kRuntimeCategories[] = {"cuda_runtime", "Runtime", "cuda_driver",
                                                   "mtia_runtime"};
// Categories of host annotations and operators (ProfilerStep#, phases).
constexpr std::string_view kHostCategories[] = {"user_annotation", "Operator", "cpu_op"};
// Calls that block until the device (or a stream or event) has finished.
constexpr std::string_view kSyncCalls[] = {
    "cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize",
    "cuCtxSynchronize",      "cuStreamSynchronize",   "cuEventSynchronize",
    "hipDeviceSynchronize",  "hipStreamSynchronize",  "hipEventSynchronize"};
// A launch is taken to have waited for a queue slot when this many fewer than the queue depth
// were pending (the traces show launches blocking at 1021 of 1024).
constexpr int kQueueFullSlack = 16;

template <size_t N>
bool contains(const std::string_view (&table)[N], std::string_view s) {
  return std::find(std::begin(table), std::end(table), s) != std::end(table);
}

// A host or device track (pid, tid) interned as a small integer, and an event's place on it.
using TrackId = std::uint32_t;
struct Place {
  TrackId track;
  double ts_us;
  bool operator==(const Place& o) const { return track == o.track && ts_us == o.ts_us; }
};
struct PlaceHash {
  size_t operator()(const Place& p) const {
    return std::hash<double>()(p.ts_us) * 31 + std::hash<TrackId>()(p.track);
  }
};

struct RuntimeCall {
  double ts_us, dur_us;
  std::uint32_t name;  // index into names
  TrackId track;
};
struct DeviceActivity {
  double ts_us, dur_us;
  std::string name;
  const DeviceCategory* category;
  double bytes;
  std::int64_t correlation;  // -1 if none
  std::int64_t call = -1;    // index of the launching RuntimeCall
};
struct Step {
  long number;
  double ts_us, dur_us;
};
struct PhaseSpan {
  double ts_us, end_us;
  Phase phase;
};

std::optional<Phase> phase_of_host_op(std::string_view name) {
  if (name.rfind("Optimizer.", 0) == 0) return Phase::kOptimizer;
  if (name.rfind("autograd::engine::evaluate_function", 0) == 0) return Phase::kBackward;
  if (name.find("DataLoader") != std::string_view::npos) return Phase::kData;
  return std::nullopt;
}

class KinetoReader {
 public:
  explicit KinetoReader(DiagnosticSink& sink) : sink_(sink) {}

  TrackId track_of(const Json& event) {
    const auto pid = event.find("pid");
    const auto tid = event.find("tid");
    const std::string key =
        (pid != event.end() ? pid->dump() : "") + "/" + (tid != event.end() ? tid->dump() : "");
    return tracks_.emplace(key, static_cast<TrackId>(tracks_.size())).first->second;
  }

  void on_event(size_t index, Json& e) {
    if (!e.is_object()) {
      sink_.add(json_pointer_child("/traceEvents", index),
                "expected an event object, got " + e.dump());
      return;
    }
    const auto ph = e.find("ph");
    const auto cat = e.find("cat");
    if (ph == e.end() || !ph->is_string()) return;  // metadata without a phase is not used
    const std::string& phase = ph->get_ref<const std::string&>();
    const std::string category = cat != e.end() && cat->is_string() ? cat->get<std::string>() : "";
    const std::string at = json_pointer_child("/traceEvents", index);
    if (phase == "s" || phase == "f") {
      if (category != "ac2g" && category != "async") return;
      const auto id = e.find("id");
      const auto ts = e.find("ts");
      if (id == e.end() || !id->is_number_integer() || ts == e.end() || !ts->is_number()) return;
      const Place place{track_of(e), ts->get<double>()};
      if (phase == "s")
        flow_start_[id->get<std::int64_t>()] = place;
      else
        flow_end_[place] = id->get<std::int64_t>();
      return;
    }
    if (phase != "X") return;
    const DeviceCategory* device = nullptr;
    for (const auto& c : kDeviceCategories)
      if (c.category == category) device = &c;
    const bool runtime = contains(kRuntimeCategories, category);
    const bool host = contains(kHostCategories, category);
    if (!device && !runtime && !host) return;
    double ts = 0, dur = 0;
    if (!read_time(e, at, ts, dur)) return;
    const auto name_it = e.find("name");
    if (name_it == e.end() || !name_it->is_string()) {
      sink_.add(json_pointer_child(at, "name"), "missing field \"name\" (a string)");
      return;
    }
    const std::string& name = name_it->get_ref<const std::string&>();
    const Json* args = e.contains("args") && e["args"].is_object() ? &e["args"] : nullptr;
    const std::int64_t correlation =
        args && args->contains("correlation") && (*args)["correlation"].is_number_integer()
            ? (*args)["correlation"].get<std::int64_t>()
            : -1;
    if (device) {
      const double bytes = args && args->contains("bytes") && (*args)["bytes"].is_number()
                               ? (*args)["bytes"].get<double>()
                               : 0;
      device_.push_back({ts, dur, name, device, bytes, correlation});
      device_places_.push_back({track_of(e), ts});
    } else if (runtime) {
      auto [it, added] = name_ids_.emplace(name, static_cast<std::uint32_t>(names_.size()));
      if (added) names_.push_back(name);
      if (correlation >= 0) call_of_correlation_[correlation] = calls_.size();
      const TrackId track = track_of(e);
      call_at_[{track, ts}] = calls_.size();
      calls_.push_back({ts, dur, it->second, track});
    } else if (name.rfind("ProfilerStep#", 0) == 0 && category != "cpu_op") {
      char* end = nullptr;
      const long number = std::strtol(name.c_str() + 13, &end, 10);
      if (end && *end == '\0') steps_.push_back({number, ts, dur});
    } else if (const auto p = phase_of_host_op(name)) {
      spans_[track_of(e)].push_back({ts, ts + dur, *p});
    }
  }

  Trace finish(const std::string& path, const ImportOptions& options, const Json& header);

 private:
  bool read_time(const Json& e, const std::string& at, double& ts, double& dur) {
    bool ok = true;
    for (const char* key : {"ts", "dur"}) {
      const auto it = e.find(key);
      if (it == e.end()) {
        sink_.add(json_pointer_child(at, key),
                  std::string("missing field \"") + key + "\" (microseconds)");
        ok = false;
      } else if (!it->is_number() || !std::isfinite(it->get<double>()) ||
                 (std::string_view(key) == "dur" && it->get<double>() < 0)) {
        sink_.add(json_pointer_child(at, key),
                  std::string("expected a ") +
                      (std::string_view(key) == "dur" ? "non-negative " : "") +
                      "number of microseconds, got " + it->dump());
        ok = false;
      } else {
        (std::string_view(key) == "ts" ? ts : dur) = it->get<double>();
      }
    }
    return ok;
  }

  DiagnosticSink& sink_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> name_ids_;
  std::vector<RuntimeCall> calls_;
  std::vector<DeviceActivity> device_;
  std::unordered_map<std::string, TrackId> tracks_;
  std::vector<Place> device_places_;  // of each device activity (where its flow ends)
  std::unordered_map<std::int64_t, size_t> call_of_correlation_;
  std::unordered_map<Place, size_t, PlaceHash> call_at_;
  std::unordered_map<std::int64_t, Place> flow_start_;           // flow id -> launch call's place
  std::unordered_map<Place, std::int64_t, PlaceHash> flow_end_;  // activity's place -> flow id
  std::vector<Step> steps_;
  std::unordered_map<TrackId, std::vector<PhaseSpan>> spans_;
};

Trace KinetoReader::finish(const std::string& path, const ImportOptions& options,
                           const Json& header) {
  // Link each device activity to its launch: correlation id first, then the ac2g flow.
  for (size_t i = 0; i < device_.size(); ++i) {
    auto& d = device_[i];
    if (const auto c = call_of_correlation_.find(d.correlation); c != call_of_correlation_.end()) {
      d.call = static_cast<std::int64_t>(c->second);
    } else if (const auto f = flow_end_.find(device_places_[i]); f != flow_end_.end()) {
      if (const auto s = flow_start_.find(f->second); s != flow_start_.end())
        if (const auto c2 = call_at_.find(s->second); c2 != call_at_.end())
          d.call = static_cast<std::int64_t>(c2->second);
    }
  }
  device_places_ = {};
  flow_end_ = {};
  call_at_ = {};
  if (device_.empty())
    sink_.add("/traceEvents", "no device activity (kernel, memcpy, memset) to replay");

  // The window: the chosen profiler steps, or the whole trace without ProfilerStep annotations.
  std::sort(steps_.begin(), steps_.end(),
            [](const Step& a, const Step& b) { return a.ts_us < b.ts_us; });
  for (auto& [track, spans] : spans_)
    std::sort(spans.begin(), spans.end(),
              [](const PhaseSpan& a, const PhaseSpan& b) { return a.ts_us < b.ts_us; });
  double begin_us = 0, end_us = 0;
  int steps_in_window = 1;
  if (!steps_.empty()) {
    std::vector<const Step*> chosen;
    if (options.step == "all") {
      for (const auto& s : steps_) chosen.push_back(&s);
    } else if (options.step == "median") {
      std::vector<const Step*> by_dur;
      for (const auto& s : steps_) by_dur.push_back(&s);
      std::sort(by_dur.begin(), by_dur.end(),
                [](auto* a, auto* b) { return a->dur_us < b->dur_us; });
      chosen.push_back(by_dur[by_dur.size() / 2]);
    } else {
      std::string available;
      for (const auto& s : steps_) {
        if (std::to_string(s.number) == options.step) chosen.push_back(&s);
        available += (available.empty() ? "" : ", ") + std::to_string(s.number);
      }
      if (chosen.empty()) {
        sink_.add("", "no ProfilerStep#" + options.step + " in the trace; steps: " + available +
                          " (or \"all\", \"median\")");
        sink_.throw_if_any<TraceError>();
      }
    }
    begin_us = chosen.front()->ts_us;
    end_us = chosen.back()->ts_us + chosen.back()->dur_us;
    steps_in_window = static_cast<int>(chosen.size());
  } else if (options.step != "all") {
    sink_.add("", "the trace has no ProfilerStep# annotations; only step \"all\" applies");
    sink_.throw_if_any<TraceError>();
  } else if (!device_.empty()) {
    begin_us = end_us = device_.front().ts_us;
    for (const auto& d : device_) {
      const double launch = d.call >= 0 ? calls_[d.call].ts_us : d.ts_us;
      begin_us = std::min(begin_us, launch);
      end_us = std::max(end_us, d.ts_us + d.dur_us);
    }
  }
  sink_.throw_if_any<TraceError>();

  // Median duration per call name: the host cost of a call that did not wait.
  std::vector<std::vector<double>> durs(names_.size());
  for (const auto& c : calls_) durs[c.name].push_back(c.dur_us);
  std::vector<double> median(names_.size());
  for (size_t n = 0; n < durs.size(); ++n) {
    auto& v = durs[n];
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    median[n] = v[v.size() / 2];
  }
  // Pending device work at time t = launched before t and not finished by t.
  std::vector<double> launches, ends;
  std::vector<std::int64_t> device_of_call(calls_.size(), -1);
  for (size_t i = 0; i < device_.size(); ++i) {
    const auto& d = device_[i];
    launches.push_back(d.call >= 0 ? calls_[d.call].ts_us : d.ts_us);
    ends.push_back(d.ts_us + d.dur_us);
    if (d.call >= 0) device_of_call[d.call] = static_cast<std::int64_t>(i);
  }
  std::sort(launches.begin(), launches.end());
  std::sort(ends.begin(), ends.end());
  const auto pending_at = [&](double t) {
    return (std::lower_bound(launches.begin(), launches.end(), t) - launches.begin()) -
           (std::upper_bound(ends.begin(), ends.end(), t) - ends.begin());
  };

  // Host events in the window, in time order: runtime calls, and device activities that no
  // call launched (at their own start).
  struct HostEvent {
    double ts_us;
    std::int64_t call;    // -1 for an unlinked activity
    std::int64_t device;  // -1 for a call without device work
  };
  std::vector<HostEvent> events;
  for (size_t c = 0; c < calls_.size(); ++c)
    if (calls_[c].ts_us >= begin_us && calls_[c].ts_us < end_us)
      events.push_back({calls_[c].ts_us, static_cast<std::int64_t>(c), device_of_call[c]});
  for (size_t i = 0; i < device_.size(); ++i)
    if (device_[i].call < 0 && device_[i].ts_us >= begin_us && device_[i].ts_us < end_us)
      events.push_back({device_[i].ts_us, -1, static_cast<std::int64_t>(i)});
  std::stable_sort(events.begin(), events.end(),
                   [](const HostEvent& a, const HostEvent& b) { return a.ts_us < b.ts_us; });

  Trace trace;
  auto& m = trace.metadata;
  m.model = "kineto:" + path.substr(path.find_last_of('/') + 1);
  m.batch_size = options.batch_size;
  m.samples_per_iteration = options.batch_size * steps_in_window;
  m.precision = "fp32";
  m.steps_per_iteration = steps_in_window;
  (void)header;

  double previous_us = begin_us;  // host time is counted from here
  double waited_us = 0;           // waiting since then, not host work
  for (const auto& ev : events) {
    double wait_us = 0;
    bool sync = false;
    if (ev.call >= 0) {
      const RuntimeCall& c = calls_[ev.call];
      const double call_end = c.ts_us + c.dur_us;
      if (ev.device >= 0) {
        const auto& d = device_[ev.device];
        const double done = d.ts_us + d.dur_us;
        if (done > c.ts_us && done <= call_end) {
          wait_us = done - c.ts_us;  // the call returned only after its own copy finished
          sync = true;
        } else if (pending_at(c.ts_us) + kQueueFullSlack >= options.launch_queue_depth) {
          wait_us = std::max(0.0, c.dur_us - median[c.name]);
        }
      } else if (contains(kSyncCalls, names_[c.name])) {
        const auto it = std::upper_bound(ends.begin(), ends.end(), call_end);
        if (it != ends.begin() && *(it - 1) > c.ts_us) {
          wait_us = *(it - 1) - c.ts_us;
          sync = true;
        }
      }
    }
    if (ev.device < 0) {
      if (sync && !trace.ops.empty()) trace.ops.back().host_sync = true;
      waited_us += wait_us;
      continue;
    }
    const auto& d = device_[ev.device];
    Op op;
    op.id = static_cast<OpId>(trace.ops.size());
    op.name = d.name;
    op.kind = d.category->op_kind ? *d.category->op_kind : op_kind_from_name(d.name);
    op.phase = Phase::kForward;
    if (ev.call >= 0) {
      // The latest phase span that started before the launch and contains it.
      const auto& spans = spans_[calls_[ev.call].track];
      auto it = std::upper_bound(spans.begin(), spans.end(), ev.ts_us,
                                 [](double t, const PhaseSpan& s) { return t < s.ts_us; });
      for (int back = 0; back < 4 && it != spans.begin(); ++back)
        if (--it, it->ts_us <= ev.ts_us && ev.ts_us < it->end_us) {
          op.phase = it->phase;
          break;
        }
    }
    if (d.category->op_kind == OpKind::kMemcpy) op.bytes_read = op.bytes_written = d.bytes;
    op.duration_us[std::string(d.category->device_kind)] = d.dur_us;
    op.host_us = std::max(0.0, ev.ts_us - previous_us - waited_us);
    op.host_sync = sync;
    if (!trace.ops.empty()) op.deps.push_back(trace.ops.back().id);
    trace.ops.push_back(std::move(op));
    previous_us = ev.ts_us;
    waited_us = wait_us;
  }
  // Host work after the last launch (the rest of the step): a host-only op.
  if (const double tail_us = end_us - previous_us - waited_us; tail_us > 0 && !trace.ops.empty()) {
    Op op;
    op.id = static_cast<OpId>(trace.ops.size());
    op.name = "host work after the last launch";
    op.kind = OpKind::kCpu;
    op.phase = trace.ops.back().phase;
    op.host_us = tail_us;
    op.deps.push_back(trace.ops.back().id);
    trace.ops.push_back(std::move(op));
  }
  if (trace.ops.empty()) sink_.add("/traceEvents", "no device activity inside the chosen steps");
  sink_.throw_if_any<TraceError>();
  return trace;
}

}  // namespace

Trace import_kineto(const std::string& path, const ImportOptions& options) {
  DiagnosticSink sink(path);
  KinetoReader reader(sink);
  bool saw_events = false;
  const Json header = stream_json_file(
      path, {"traceEvents"},
      [&](std::string_view, size_t index, Json& e) {
        saw_events = true;
        reader.on_event(index, e);
      },
      sink);
  sink.throw_if_any<TraceError>();
  if (!saw_events && !header.contains("traceEvents"))
    sink.add("/traceEvents", "missing field \"traceEvents\" (the Chrome-trace event list)");
  sink.throw_if_any<TraceError>();
  return reader.finish(path, options, header);
}

}  // namespace aisim
