#include "sim/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace aisim {

void BusyTracker::add(double start_s, double end_s, double window_start_s) {
  if (end_s <= start_s) return;
  total_s_ += end_s - start_s;
  if (end_s > window_start_s) window_s_ += end_s - std::max(start_s, window_start_s);
  if (bucket_s_ <= 0) return;
  // Spread the interval over the fixed windows it overlaps.
  auto first = static_cast<size_t>(start_s / bucket_s_);
  const auto last = static_cast<size_t>(end_s / bucket_s_);
  if (buckets_.size() <= last) buckets_.resize(last + 1, 0.0);
  for (size_t k = first; k <= last; ++k) {
    const double lo = std::max(start_s, static_cast<double>(k) * bucket_s_);
    const double hi = std::min(end_s, static_cast<double>(k + 1) * bucket_s_);
    if (hi > lo) buckets_[k] += hi - lo;
  }
}

LatencySummary summarize_latencies(std::vector<double> samples_s) {
  LatencySummary s;
  s.count = samples_s.size();
  if (samples_s.empty()) return s;
  std::sort(samples_s.begin(), samples_s.end());
  const auto rank = [&](double q) {
    const auto n = samples_s.size();
    const auto index = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
    return samples_s[std::clamp<size_t>(index, 1, n) - 1] * 1e6;
  };
  s.mean_us = std::accumulate(samples_s.begin(), samples_s.end(), 0.0) /
              static_cast<double>(samples_s.size()) * 1e6;
  s.p50_us = rank(0.50);
  s.p99_us = rank(0.99);
  s.max_us = samples_s.back() * 1e6;
  return s;
}

MetricsCollector::MetricsCollector(int devices, int cores, double util_window_s, int jobs)
    : devices_(devices, BusyTracker(util_window_s)),
      last_kernel_end_s_(devices, 0.0),
      cores_(cores),
      jobs_(jobs),
      window_jobs_(jobs),
      idle_(devices) {}

void IdleSplit::advance(double now_s, double window_start_s) {
  const double from = std::max(since_s_, window_start_s);
  if (!busy_ && now_s > from) {
    const double d = now_s - from;
    switch (feeder_) {
      case FeederState::kNoWork:
        no_work_s_ += d;
        break;
      case FeederState::kHost:
        host_s_ += d;
        break;
      case FeederState::kData:
        data_s_ += d;
        break;
    }
  }
  since_s_ = now_s;
}

void IdleSplit::set_busy(bool busy, double now_s, double window_start_s) {
  advance(now_s, window_start_s);
  busy_ = busy;
}

void IdleSplit::set_feeder(FeederState state, double now_s, double window_start_s) {
  advance(now_s, window_start_s);
  feeder_ = state;
}

void MetricsCollector::thread_added(int thread, const std::string& name) {
  if (static_cast<size_t>(thread) >= threads_.size()) threads_.resize(thread + 1);
  threads_[thread].name = name;
}

void MetricsCollector::thread_ran(int thread, double start_s, double end_s) {
  const double from = std::max(start_s, clip_s());
  if (end_s > from) threads_[thread].run_s += end_s - from;
}

void MetricsCollector::involuntary_preemption(int thread) {
  if (!window_started()) return;
  ++preemptions_window_;
  ++threads_[thread].involuntary_preemptions;
}

void MetricsCollector::job_warmed_up(int job, double now_s, bool opens_window) {
  jobs_[job].window_start_s = now_s;
  if (opens_window && ++jobs_warmed_up_ == window_jobs_) window_start_s_ = now_s;
}

void MetricsCollector::thread_switched_in(int thread, double runnable_s, double run_s, bool woken) {
  ++switches_total_;
  if (thread != kNoThread) {
    const double from = std::max(runnable_s, clip_s());
    if (run_s > from) threads_[thread].wait_s += run_s - from;
  }
  if (!window_started() || runnable_s < window_start_s_) return;
  ++switches_window_;
  if (thread != kNoThread) ++threads_[thread].switches;
  if (!woken) return;
  switch_latency_s_.push_back(run_s - runnable_s);
  if (thread != kNoThread) threads_[thread].wakeup_latency_s.push_back(run_s - runnable_s);
}

void MetricsCollector::iteration_done(int job, double now_s, int samples, double sequence_length) {
  observe_time(now_s);
  auto& j = jobs_[job];
  ++j.iterations_done;
  j.iteration_end_s.push_back(now_s);
  if (j.window_start_s >= 0 && now_s > j.window_start_s) {
    j.samples_in_window += samples;
    if (sequence_length > 0) j.sequence_lengths.push_back(sequence_length);
  }
}

void MetricsCollector::job_started(int job, const std::string& name, double now_s) {
  jobs_[job].name = name;
  jobs_[job].start_s = now_s;
}

void MetricsCollector::memory_request(bool served_from_cache, double bytes) {
  ++mem_requests_all_;
  mem_bytes_all_ += bytes;
  if (served_from_cache) {
    ++mem_reused_all_;
    mem_bytes_reused_all_ += bytes;
  }
  if (!window_started()) return;
  ++mem_requests_window_;
  mem_bytes_window_ += bytes;
  if (served_from_cache) {
    ++mem_reused_window_;
    mem_bytes_reused_window_ += bytes;
  }
}

void MetricsCollector::device_allocations(int count, double time_s) {
  for (auto* ops : {&mem_ops_all_, window_started() ? &mem_ops_window_ : nullptr}) {
    if (!ops) continue;
    ops->allocations += static_cast<std::uint64_t>(count);
    ops->allocation_time_s += time_s;
  }
}

void MetricsCollector::device_frees(int count, double time_s) {
  for (auto* ops : {&mem_ops_all_, window_started() ? &mem_ops_window_ : nullptr}) {
    if (!ops) continue;
    ops->frees += static_cast<std::uint64_t>(count);
    ops->free_time_s += time_s;
  }
}

void MetricsCollector::prefetch_used(bool hit) {
  if (!window_started()) return;
  ++prefetch_used_;
  if (hit) ++prefetch_hits_;
}

}  // namespace aisim
