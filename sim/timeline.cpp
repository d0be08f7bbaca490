#include "sim/timeline.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "models/errors.hpp"

namespace aisim {

namespace {

// The file is written in pieces of about this size: large enough that writes are rare, small
// enough that memory stays flat however long the run.
constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

// Track ids inside a device's process (docs/timeline.md). Host cores are tids 1..cores.
constexpr int kStreamTid = 1;
constexpr int kCopyEngineTid = 2;
constexpr int kJobTidBase = 100;  // + 2 * job: its input copies; + 2 * job + 1: its iterations

std::int64_t to_ns(double seconds) {
  return std::llround(seconds * 1e9);
}

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        else
          out += c;
    }
  }
  return out;
}

// "resnet50/loader3" -> "loader", "resnet50/dispatch" -> "dispatch", "background/0" ->
// "background": the role of a host thread, used as its slices' category.
std::string thread_kind(const std::string& name) {
  const auto slash = name.rfind('/');
  std::string tail = slash == std::string::npos ? name : name.substr(slash + 1);
  while (!tail.empty() && tail.back() >= '0' && tail.back() <= '9') tail.pop_back();
  if (tail.empty() && slash != std::string::npos) {
    const std::string head = name.substr(0, slash);
    tail = head.substr(head.rfind('/') == std::string::npos ? 0 : head.rfind('/') + 1);
  }
  return escape(tail.empty() ? std::string("thread") : tail);
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

// The output file: plain, or gzip when the name ends in ".gz".
class TimelineSink {
 public:
  explicit TimelineSink(const std::string& path) : path_(path) {
    if (ends_with(path, ".gz")) {
      // Level 1: these events compress about as well at level 1 as at 6, several times faster.
      gz_ = gzopen(path.c_str(), "wb1");
      if (!gz_) fail("cannot write the timeline file");
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (!file_) fail("cannot write the timeline file");
    }
  }
  ~TimelineSink() { close(); }
  void write(const char* data, std::size_t size) {
    if (size == 0) return;
    const bool ok = gz_ ? gzwrite(gz_, data, static_cast<unsigned>(size)) == static_cast<int>(size)
                        : std::fwrite(data, 1, size, file_) == size;
    if (!ok) fail("write failed (disk full?)");
  }
  void close() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
    gz_ = nullptr;
    file_ = nullptr;
  }

 private:
  [[noreturn]] void fail(const std::string& message) { throw InputError({{path_, "", message}}); }
  std::string path_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
};

Timeline::Timeline(const std::string& path, const Config& config, const std::vector<Trace>& traces)
    : sink_(std::make_unique<TimelineSink>(path)),
      util_window_s_(config.run.util_window_s),
      host_device_(config.host_index()),
      host_pid_(config.host_index() + 1) {
  buffer_.reserve(kFlushBytes + 4096);
  append("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"aisim\",\"config\":\"");
  append(escape(config.path));
  append("\"},\"traceEvents\":[\n");
  const int devices = static_cast<int>(config.devices.size());
  for (int d = 0; d < devices; ++d) {
    const DeviceSpec& spec = config.devices[d];
    device_pid_.push_back(d + 1);
    accelerator_.push_back(d != config.host_index());
    const int pid = d + 1;
    if (d == config.host_index()) {
      metadata(pid, 0, "process_name",
               fmt::format("{} ({}, {} cores)", spec.name, to_string(spec.kind), spec.cores));
      for (int c = 0; c < spec.cores; ++c) {
        metadata(pid, c + 1, "thread_name", fmt::format("core {}", c));
        sort_index(pid, c + 1, c);
      }
    } else {
      metadata(pid, 0, "process_name", fmt::format("{} ({})", spec.name, to_string(spec.kind)));
      metadata(pid, kStreamTid, "thread_name", "kernels (stream 0)");
      metadata(pid, kCopyEngineTid, "thread_name", "copy engine (host to device)");
      sort_index(pid, kStreamTid, kStreamTid);
      sort_index(pid, kCopyEngineTid, kCopyEngineTid);
    }
    sort_index(pid, 0, d == config.host_index() ? -1 : d);  // the host first
  }
  cores_.assign(static_cast<std::size_t>(config.devices[config.host_index()].cores), {});
  util_.assign(static_cast<std::size_t>(devices), {});
  memory_.assign(static_cast<std::size_t>(devices), {});
  power_.assign(static_cast<std::size_t>(devices), {});
  for (std::size_t j = 0; j < config.jobs.size(); ++j) {
    JobTracks job;
    job.pid = config.device_index(config.jobs[j].device) + 1;
    job.trace = &traces[j];
    for (const Op& op : traces[j].ops) {
      job.op_names.push_back(escape(op.name));
      job.op_phases.push_back(escape(to_string(op.phase)));
    }
    const int tid = kJobTidBase + 2 * static_cast<int>(j);
    metadata(job.pid, tid, "thread_name", config.jobs[j].name + " input copies (memcpy)");
    metadata(job.pid, tid + 1, "thread_name", config.jobs[j].name + " iterations");
    sort_index(job.pid, tid, tid);
    sort_index(job.pid, tid + 1, tid + 1);
    jobs_.push_back(std::move(job));
  }
}

Timeline::~Timeline() {
  if (closed_) return;
  try {
    finish(-1);
  } catch (...) {  // a destructor must not throw; the run already failed or is failing
  }
}

void Timeline::begin_event() {
  if (events_++ > 0) append(",\n");
}

void Timeline::end_event() {
  buffer_.push_back('}');
  if (buffer_.size() >= kFlushBytes) {
    sink_->write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
}

void Timeline::metadata(int pid, int tid, const char* what, const std::string& name) {
  begin_event();
  fmt::format_to(out(), R"({{"ph":"M","pid":{},"tid":{},"name":"{}","args":{{"name":"{}"}})", pid,
                 tid, what, escape(name));
  end_event();
}

void Timeline::sort_index(int pid, int tid, int index) {
  begin_event();
  fmt::format_to(out(), R"({{"ph":"M","pid":{},"tid":{},"name":"{}","args":{{"sort_index":{}}})",
                 pid, tid, tid == 0 ? "process_sort_index" : "thread_sort_index", index);
  end_event();
}

void Timeline::begin_slice(int pid, int tid, std::int64_t start_ns, std::int64_t dur_ns) {
  begin_event();
  fmt::format_to(out(), R"({{"ph":"X","pid":{},"tid":{},"ts":{}.{:03},"dur":{}.{:03},)", pid, tid,
                 start_ns / 1000, start_ns % 1000, dur_ns / 1000, dur_ns % 1000);
}

void Timeline::thread_added(int thread, const std::string& name) {
  if (static_cast<std::size_t>(thread) >= thread_names_.size()) {
    thread_names_.resize(static_cast<std::size_t>(thread) + 1);
    thread_kinds_.resize(static_cast<std::size_t>(thread) + 1);
  }
  thread_names_[thread] = escape(name);
  thread_kinds_[thread] = thread_kind(name);
}

void Timeline::thread_ran(int core, int thread, double start_s, double end_s) {
  if (closed_ || end_s <= start_s) return;
  PendingSlice& p = cores_[core];
  if (p.thread == thread && p.end_s == start_s) {  // the same thread went on: one slice
    p.end_s = end_s;
    sample_power(host_device_, end_s);
    return;
  }
  flush_core(core);
  p = {thread, start_s, end_s};
  sample_power(host_device_, end_s);
}

void Timeline::flush_core(int core) {
  PendingSlice& p = cores_[core];
  if (p.thread < 0) return;
  const std::int64_t start = to_ns(p.start_s), end = to_ns(p.end_s);
  if (end > start) {
    begin_slice(host_pid_, core + 1, start, end - start);
    fmt::format_to(out(), R"("name":"{}","cat":"{}")", thread_names_[p.thread],
                   thread_kinds_[p.thread]);
    end_event();
  }
  p.thread = -1;
}

void Timeline::context_switch(int core, int thread, double start_s, double end_s) {
  if (closed_) return;
  flush_core(core);
  const std::int64_t start = to_ns(start_s), end = to_ns(end_s);
  if (end <= start) return;
  begin_slice(host_pid_, core + 1, start, end - start);
  fmt::format_to(out(), R"("name":"context switch","cat":"sched","args":{{"to":"{}"}})",
                 thread_names_[thread]);
  end_event();
  sample_power(host_device_, end_s);
}

void Timeline::kernel(int device, const KernelLabel& label, double start_s, double end_s) {
  if (closed_) return;
  add_busy(device, start_s, end_s);
  const std::int64_t start = to_ns(start_s), end = to_ns(end_s);
  if (end <= start) return;
  begin_slice(device_pid_[device], kStreamTid, start, end - start);
  if (label.job < 0 || label.op < 0) {
    append(R"("name":"kernel","cat":"kernel")");
  } else {
    const JobTracks& job = jobs_[label.job];
    const Op& op = job.trace->ops[label.op];
    const double seq = label.sequence_length;
    fmt::format_to(out(),
                   R"("name":"{}","cat":"{}","args":{{"op_id":{},"iteration":{},"flops":{:.6g},)"
                   R"("bytes":{:.6g}}})",
                   job.op_names[label.op], job.op_phases[label.op], op.id, label.iteration,
                   op.flops.at(seq), (op.bytes_read + op.bytes_written).at(seq));
  }
  end_event();
}

void Timeline::device_ran(int device, double now_s) {
  if (closed_) return;
  sample_power(device, now_s);
}

void Timeline::copy(int device, double bytes, double start_s, double end_s) {
  if (closed_) return;
  const std::int64_t start = to_ns(start_s), end = to_ns(end_s);
  if (end <= start) return;
  begin_slice(device_pid_[device], kCopyEngineTid, start, end - start);
  fmt::format_to(out(), R"("name":"prefetch copy","cat":"copy","args":{{"bytes":{:.0f}}})", bytes);
  end_event();
}

void Timeline::input_copy(int job, double bytes, double start_s, double end_s) {
  if (closed_) return;
  const std::int64_t start = to_ns(start_s), end = to_ns(end_s);
  if (end <= start) return;
  begin_slice(jobs_[job].pid, kJobTidBase + 2 * job, start, end - start);
  fmt::format_to(out(), R"("name":"input batch copy","cat":"copy","args":{{"bytes":{:.0f}}})",
                 bytes);
  end_event();
}

void Timeline::iteration(int job, int iteration, double start_s, double end_s) {
  if (closed_) return;
  const std::int64_t start = to_ns(start_s), end = to_ns(end_s);
  if (end <= start) return;
  begin_slice(jobs_[job].pid, kJobTidBase + 2 * job + 1, start, end - start);
  fmt::format_to(out(), R"("name":"iteration {}","cat":"iteration")", iteration);
  end_event();
}

void Timeline::add_busy(int device, double start_s, double end_s) {
  if (util_window_s_ <= 0 || end_s <= start_s) return;
  UtilWindow& u = util_[device];
  // Spread the kernel over the fixed windows it overlaps; a window is written once a later
  // one receives work (kernels on a device arrive in time order).
  const auto first = static_cast<std::size_t>(start_s / util_window_s_);
  const auto last = static_cast<std::size_t>(end_s / util_window_s_);
  for (std::size_t k = first; k <= last; ++k) {
    if (k > u.index) {
      write_util(device, u.index, 100.0 * u.busy_s / util_window_s_);
      if (k > u.index + 1) write_util(device, u.index + 1, 0.0);  // idle windows between
      u.index = k;
      u.busy_s = 0;
    }
    const double lo = std::max(start_s, static_cast<double>(k) * util_window_s_);
    const double hi = std::min(end_s, static_cast<double>(k + 1) * util_window_s_);
    if (hi > lo) u.busy_s += hi - lo;
  }
}

void Timeline::write_util(int device, std::size_t window, double pct) {
  const std::int64_t ts = to_ns(static_cast<double>(window) * util_window_s_);
  begin_event();
  fmt::format_to(
      out(), R"({{"ph":"C","pid":{},"name":"utilization","ts":{}.{:03},"args":{{"pct":{:.4f}}})",
      device_pid_[device], ts / 1000, ts % 1000, pct);
  end_event();
}

void Timeline::device_memory(int device, double now_s, double reserved_bytes,
                             double allocated_bytes) {
  if (closed_) return;
  Memory& m = memory_[device];
  if (m.reserved_bytes == reserved_bytes && m.allocated_bytes == allocated_bytes) return;
  m = {reserved_bytes, allocated_bytes};
  const std::int64_t ts = to_ns(now_s);
  begin_event();
  fmt::format_to(out(),
                 R"({{"ph":"C","pid":{},"name":"device memory","ts":{}.{:03},)"
                 R"("args":{{"reserved_MB":{:.6f},"allocated_MB":{:.6f}}})",
                 device_pid_[device], ts / 1000, ts % 1000, reserved_bytes / 1e6,
                 allocated_bytes / 1e6);
  end_event();
}

void Timeline::sample_power(int device, double now_s, bool force) {
  PowerSample& p = power_[device];
  if (!energy_reader_ || (!force && now_s < p.next_s) || now_s <= p.at_s) return;
  const double energy_j = energy_reader_(device);
  const std::int64_t ts = to_ns(p.at_s);
  begin_event();
  fmt::format_to(out(), R"({{"ph":"C","pid":{},"name":"power","ts":{}.{:03},"args":{{"W":{:.3f}}})",
                 device_pid_[device], ts / 1000, ts % 1000,
                 (energy_j - p.energy_j) / (now_s - p.at_s));
  end_event();
  p.at_s = now_s;
  p.energy_j = energy_j;
  if (util_window_s_ > 0) p.next_s = (std::floor(now_s / util_window_s_) + 1) * util_window_s_;
}

void Timeline::window_started(double now_s) {
  if (closed_) return;
  const std::int64_t ts = to_ns(now_s);
  begin_event();
  fmt::format_to(out(),
                 R"({{"ph":"i","s":"g","pid":{},"tid":0,"name":"measured window starts",)"
                 R"("ts":{}.{:03})",
                 host_pid_, ts / 1000, ts % 1000);
  end_event();
}

void Timeline::finish(double end_s) {
  if (closed_) return;
  for (std::size_t c = 0; c < cores_.size(); ++c) flush_core(static_cast<int>(c));
  if (end_s >= 0)
    for (std::size_t d = 0; d < power_.size(); ++d) sample_power(static_cast<int>(d), end_s, true);
  if (end_s >= 0 && util_window_s_ > 0) {
    for (std::size_t d = 0; d < util_.size(); ++d) {
      if (!accelerator_[d]) continue;
      const UtilWindow& u = util_[d];
      const double from = static_cast<double>(u.index) * util_window_s_;
      const double length = std::min(util_window_s_, end_s - from);  // the last may be partial
      if (length > 0) write_util(static_cast<int>(d), u.index, 100.0 * u.busy_s / length);
      if (end_s > from + util_window_s_) write_util(static_cast<int>(d), u.index + 1, 0.0);
    }
  }
  closed_ = true;
  append("\n]}\n");
  sink_->write(buffer_.data(), buffer_.size());
  buffer_.clear();
  sink_->close();
}

}  // namespace aisim
