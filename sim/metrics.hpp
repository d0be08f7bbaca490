// MetricsCollector: turns simulated events (a kernel ran from t0 to t1, a thread waited from t0
// to t1, an iteration ended) into the metrics of DESIGN.md section 4. Plain C++, no SimGrid: the
// runtime passes times in, so it is unit tested without an engine.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/invariants.hpp"

namespace aisim {

// Busy time of one resource over the whole run and over the measured window, plus a time series
// in fixed windows. Intervals are reported when they end; an interval that straddles the
// measured window's start is clipped to it.
class BusyTracker {
 public:
  explicit BusyTracker(double bucket_s = 0) : bucket_s_(bucket_s) {}
  void add(double start_s, double end_s, double window_start_s);
  double total_s() const { return total_s_; }
  double in_window_s() const { return window_s_; }
  // Busy seconds per bucket [k*bucket_s, (k+1)*bucket_s), from time 0.
  const std::vector<double>& buckets() const { return buckets_; }
  double bucket_s() const { return bucket_s_; }

 private:
  double bucket_s_;
  double total_s_ = 0;
  double window_s_ = 0;
  std::vector<double> buckets_;
};

struct LatencySummary {
  std::uint64_t count = 0;
  double mean_us = 0, p50_us = 0, p99_us = 0, max_us = 0;
};
// Nearest-rank percentiles over the samples (seconds in, microseconds out).
LatencySummary summarize_latencies(std::vector<double> samples_s);

struct JobMetrics {
  std::string name;
  int iterations_done = 0;
  double start_s = 0;
  double window_start_s = -1;  // end of the last warm-up iteration; -1 until reached
  double end_s = 0;
  std::int64_t samples_in_window = 0;
  std::vector<double> iteration_end_s;
  std::vector<double> sequence_lengths;  // per measured iteration (sequence models)
  // Placeable jobs ("device": "auto"), whole run: ops launched per device (index = device) and
  // the copies of dependency edges between devices.
  std::vector<std::int64_t> ops_per_device;
  std::int64_t cross_device_copies = 0;
  double cross_device_copy_bytes = 0;
};

// One host thread over the measured window: CPU time, time runnable but not running (waiting
// for a core, switch-in included), its wake-up latencies and how often it was preempted.
struct ThreadMetrics {
  std::string name;
  double run_s = 0;
  double wait_s = 0;
  std::uint64_t switches = 0;
  std::uint64_t involuntary_preemptions = 0;
  std::vector<double> wakeup_latency_s;
};

// Why an accelerator was idle (DESIGN.md section 4), by what its feeding job was doing.
enum class FeederState {
  kNoWork,  // no job feeds it (not started, finished, or none at all)
  kHost,    // the feeding thread needs the CPU: running host work or waiting for a core
  kData,    // the feeding thread waits for input: a ready batch or the input copy
};

// Splits a device's idle time (no kernel executing) by FeederState, within the measured window.
class IdleSplit {
 public:
  void set_busy(bool busy, double now_s, double window_start_s);
  void set_feeder(FeederState state, double now_s, double window_start_s);
  double host_s() const { return host_s_; }
  double data_s() const { return data_s_; }
  double no_work_s() const { return no_work_s_; }
  // Closes the open interval at the end of the run.
  void finish(double now_s, double window_start_s) { advance(now_s, window_start_s); }

 private:
  void advance(double now_s, double window_start_s);
  bool busy_ = false;
  FeederState feeder_ = FeederState::kNoWork;
  double since_s_ = 0;
  double host_s_ = 0, data_s_ = 0, no_work_s_ = 0;
};

class MetricsCollector {
 public:
  MetricsCollector(int devices, int cores, double util_window_s, int jobs);

  // The measured window starts once every measured job has finished its warm-up; co-tenants'
  // warm-ups (`opens_window` false) do not count (set_window_jobs: how many measured jobs).
  void job_warmed_up(int job, double now_s, bool opens_window = true);
  void set_window_jobs(int measured_jobs) { window_jobs_ = measured_jobs; }
  bool window_started() const { return window_start_s_ >= 0; }
  double window_start_s() const { return window_start_s_; }
  // NaN-free "clip point" for BusyTracker::add: +inf before the window starts.
  double clip_s() const {
    return window_started() ? window_start_s_ : std::numeric_limits<double>::infinity();
  }

  // A kernel occupied `device` from start_s to end_s (reported when it ends, or later: a device
  // reports a run of back-to-back kernels when the run ends). One stream per device: kernels do
  // not overlap, busy time stays within elapsed time.
  void kernel_ran(int device, double start_s, double end_s) {
    check_invariant(start_s >= last_kernel_end_s_[device] && end_s >= start_s,
                    "device %d: kernel [%.12g, %.12g] overlaps the previous one ending at %.12g",
                    device, start_s, end_s, last_kernel_end_s_[device]);
    last_kernel_end_s_[device] = end_s;
    devices_[device].add(start_s, end_s, clip_s());
    check_invariant(devices_[device].total_s() <= end_s * (1 + 1e-12),
                    "device %d: busy %.12g s exceeds the elapsed %.12g s", device,
                    devices_[device].total_s(), end_s);
  }
  // Every event is reported at the current simulated time: it never goes backwards.
  void observe_time(double now_s) {
    check_invariant(now_s >= last_event_s_, "time went backwards: %.12g after %.12g", now_s,
                    last_event_s_);
    last_event_s_ = now_s;
  }
  void core_busy(int core, double start_s, double end_s) {
    cores_[core].add(start_s, end_s, clip_s());
  }
  // A thread became runnable at `runnable_s` and started running (switch cost paid) at `run_s`;
  // `woken`: runnable because of a wake-up (a context-switch latency sample) rather than a
  // preemption (it waited, but that is no wake-up).
  void thread_switched_in(double runnable_s, double run_s) {
    thread_switched_in(kNoThread, runnable_s, run_s, true);
  }
  void thread_switched_in(int thread, double runnable_s, double run_s, bool woken);
  void thread_added(int thread, const std::string& name);
  void thread_ran(int thread, double start_s, double end_s);
  void involuntary_preemption(int thread);
  void kernel_started(int device, double now_s) { idle_[device].set_busy(true, now_s, clip_s()); }
  void kernel_ended(int device, double now_s) { idle_[device].set_busy(false, now_s, clip_s()); }
  void feeder_state(int device, FeederState state, double now_s) {
    idle_[device].set_feeder(state, now_s, clip_s());
  }
  // Closes open intervals at the end of the run.
  void finish(double now_s) {
    for (auto& s : idle_) s.finish(now_s, clip_s());
  }
  void iteration_done(int job, double now_s, int samples, double sequence_length = 0);
  void job_started(int job, const std::string& name, double now_s);
  void job_finished(int job, double now_s) { jobs_[job].end_s = now_s; }
  void op_placed(int job, int device, int devices) {
    auto& ops = jobs_[job].ops_per_device;
    if (ops.empty()) ops.assign(static_cast<std::size_t>(devices), 0);
    ++ops[static_cast<std::size_t>(device)];
  }
  void cross_device_copy(int job, double bytes) {
    ++jobs_[job].cross_device_copies;
    jobs_[job].cross_device_copy_bytes += bytes;
  }
  void memory_request(bool served_from_cache, double bytes);
  // Device allocations / frees (cudaMalloc / cudaFree) and the host time they took, a free's
  // device synchronization included.
  void device_allocations(int count, double time_s);
  void device_frees(int count, double time_s);
  // Time a job's dispatch thread could not go on because of memory (allocation, free, the
  // synchronization a free forces) or because it waited for a host-to-device copy.
  void memory_stall(double time_s) {
    if (window_started()) memory_stall_s_ += time_s;
  }
  void copy_stall(double time_s) {
    if (window_started()) copy_stall_s_ += time_s;
  }
  // A prefetched copy was needed: `hit` when it had finished before its iteration started.
  void prefetch_used(bool hit);

  const BusyTracker& device(int d) const { return devices_[d]; }
  const BusyTracker& core(int c) const { return cores_[c]; }
  int core_count() const { return static_cast<int>(cores_.size()); }
  const JobMetrics& job(int j) const { return jobs_[j]; }
  const std::vector<double>& switch_latencies_s() const { return switch_latency_s_; }
  const std::vector<ThreadMetrics>& threads() const { return threads_; }
  const IdleSplit& idle_split(int device) const { return idle_[device]; }
  std::uint64_t switches_in_window() const { return switches_window_; }
  std::uint64_t involuntary_preemptions() const { return preemptions_window_; }
  std::uint64_t switches_total() const { return switches_total_; }
  std::uint64_t memory_requests() const { return mem_requests_window_; }
  std::uint64_t memory_requests_reused() const { return mem_reused_window_; }
  double memory_bytes() const { return mem_bytes_window_; }
  double memory_bytes_reused() const { return mem_bytes_reused_window_; }
  std::uint64_t memory_requests_all() const { return mem_requests_all_; }
  std::uint64_t memory_requests_reused_all() const { return mem_reused_all_; }
  double memory_bytes_all() const { return mem_bytes_all_; }
  double memory_bytes_reused_all() const { return mem_bytes_reused_all_; }
  struct DeviceMemoryOps {
    std::uint64_t allocations = 0, frees = 0;
    double allocation_time_s = 0, free_time_s = 0;
  };
  const DeviceMemoryOps& device_memory_ops() const { return mem_ops_window_; }
  const DeviceMemoryOps& device_memory_ops_all() const { return mem_ops_all_; }
  double memory_stall_s() const { return memory_stall_s_; }
  double copy_stall_s() const { return copy_stall_s_; }
  std::uint64_t prefetches_used() const { return prefetch_used_; }
  std::uint64_t prefetch_hits() const { return prefetch_hits_; }

 private:
  std::vector<BusyTracker> devices_;
  std::vector<double> last_kernel_end_s_;
  double last_event_s_ = 0;
  std::vector<BusyTracker> cores_;
  std::vector<JobMetrics> jobs_;
  int window_jobs_ = 0;
  int jobs_warmed_up_ = 0;
  double window_start_s_ = -1;
  static constexpr int kNoThread = -1;
  std::vector<IdleSplit> idle_;
  std::vector<ThreadMetrics> threads_;
  std::uint64_t switches_window_ = 0, preemptions_window_ = 0;
  std::vector<double> switch_latency_s_;  // measured window only
  std::uint64_t switches_total_ = 0;      // whole run
  std::uint64_t mem_requests_window_ = 0, mem_reused_window_ = 0;
  std::uint64_t mem_requests_all_ = 0, mem_reused_all_ = 0;
  double mem_bytes_window_ = 0, mem_bytes_reused_window_ = 0;
  double mem_bytes_all_ = 0, mem_bytes_reused_all_ = 0;
  DeviceMemoryOps mem_ops_window_, mem_ops_all_;
  double memory_stall_s_ = 0, copy_stall_s_ = 0;         // measured window
  std::uint64_t prefetch_used_ = 0, prefetch_hits_ = 0;  // measured window
};

}  // namespace aisim
