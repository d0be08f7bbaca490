#include "sim/device_engine.hpp"

#include <algorithm>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <stdexcept>

#include "sim/platform.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

DeviceEngine::DeviceEngine(DeviceId id, s4u::Host* host, NodeState& node, MetricsCollector& metrics,
                           HostCpu& cpu, int launch_queue_depth)
    : id_(id),
      host_(host),
      node_(node),
      metrics_(metrics),
      cpu_(cpu),
      work_(s4u::Semaphore::create(0)),
      launch_queue_depth_(static_cast<size_t>(launch_queue_depth)) {}

void DeviceEngine::start() {
  s4u::Actor::create(host_->get_name() + "/stream0", host_, [this] { run(); })->daemonize();
}

bool DeviceEngine::launched(const Kernel& k, double now_s) const {
  return k.ready_at_progress_s < 0 ||
         (chunk_thread_ != nullptr &&
          burst_progress_s(*chunk_thread_, now_s) >= k.ready_at_progress_s - kTimeSlackS);
}

void DeviceEngine::refresh_view(double now_s) {
  while (launched_ < kernels_.size() && launched(kernels_[launched_], now_s)) {
    backlog_s_ += kernels_[launched_].duration_s;
    ++launched_;
  }
  // A kernel of the run in progress has finished at `now` if it ends within kTimeSlackS of it:
  // the run's kernel times are sums of durations, SimGrid's clock advances by the run's total,
  // and the two differ in the last bits.
  while (finished_in_run_ < run_size_ && kernels_[finished_in_run_].end_s <= now_s + kTimeSlackS) {
    backlog_s_ -= kernels_[finished_in_run_].duration_s;
    ++finished_in_run_;
  }
  if (launched_ == finished_in_run_) backlog_s_ = 0;  // no drift when drained
  DeviceView& view = node_.devices[id_];
  view.queue_depth = pending();
  view.backlog_s = backlog_s_;
  view.running_s = view.running_end_s = 0;
  if (finished_in_run_ < run_size_) {  // the run in progress has a kernel executing now
    const Kernel& k = kernels_[finished_in_run_];
    view.running_s = k.duration_s;
    view.running_end_s = k.end_s;
  }
}

void DeviceEngine::wake_actor() {
  if (!idle_waiting_) return;
  idle_waiting_ = false;
  work_->release();
}

void DeviceEngine::begin_chunk(SimThread& thread) {
  if (chunk_thread_ != nullptr) throw std::logic_error("device: a dispatch chunk is already open");
  chunk_thread_ = &thread;
  thread.burst_done_s = 0;  // its progress counts from the chunk's compute(), not the last one
  // The device may wait for the first chunk kernel: it looks again whenever the burst runs.
  thread.on_segment_start = [this] { wake_actor(); };
}

void DeviceEngine::submit_in_chunk(double duration_s, double ready_at_progress_s,
                                   const KernelLabel& label) {
  ++submitted_;
  Kernel kernel;
  kernel.duration_s = duration_s;
  kernel.ready_at_progress_s = ready_at_progress_s;
  if (timeline_) kernel.label = label;
  kernels_.push_back(kernel);
}

void DeviceEngine::end_chunk() {
  if (chunk_thread_ == nullptr) return;
  // The burst has run to its end: every chunk kernel is launched, for good.
  for (Kernel& k : kernels_) k.ready_at_progress_s = -1;
  chunk_thread_->on_segment_start = nullptr;
  chunk_thread_ = nullptr;
  refresh_view(s4u::Engine::get_clock());
  wake_actor();
}

std::size_t DeviceEngine::free_launch_slots() {
  refresh_view(s4u::Engine::get_clock());
  return pending() < launch_queue_depth_ ? launch_queue_depth_ - pending() : 0;
}

double DeviceEngine::next_end_s(double now_s) const {
  if (finished_in_run_ < run_size_) return kernels_[finished_in_run_].end_s;
  // Queued behind nothing: the actor starts a run with it at once (it has been released).
  return now_s + kernels_[finished_in_run_].duration_s;
}

void DeviceEngine::submit(double duration_s, const KernelLabel& label) {
  if (chunk_thread_ != nullptr)
    throw std::logic_error("device: a kernel submitted beside an open dispatch chunk");
  ++submitted_;
  Kernel kernel;
  kernel.duration_s = duration_s;
  if (timeline_) kernel.label = label;
  kernels_.push_back(kernel);
  refresh_view(s4u::Engine::get_clock());
  wake_actor();
}

void DeviceEngine::submit(double duration_s, SimThread& thread, const KernelLabel& label) {
  for (;;) {
    const double now = s4u::Engine::get_clock();
    refresh_view(now);
    if (pending() < launch_queue_depth_) break;
    // The queue is full: a slot frees when the oldest pending kernel ends. Sleeping until then
    // is exact (the stream is FIFO and nothing else runs on the device), and the launch call
    // goes on through the scheduler, like a thread woken by the completion interrupt.
    const double free_at = next_end_s(now);
    cpu_.release_core(thread);
    if (free_at > now) s4u::this_actor::sleep_until(free_at);
    cpu_.wake(thread);
    cpu_.wait_for_core(thread);
  }
  submit(duration_s, label);
}

void DeviceEngine::synchronize(SimThread& thread, bool spin) {
  if (kernels_.empty()) return;
  if (spin) {
    bool done = false;
    spinners_.push_back({&thread, &done});
    cpu_.spin_until(thread, &done);
    return;
  }
  sync_waiters_.push_back(&thread);
  cpu_.release_core(thread);
  cpu_.wait_for_core(thread);
}

void DeviceEngine::report(const Kernel& k, double now_s) {
  // Its times are sums of durations; SimGrid's clock may differ from them in the last bits.
  const double end = std::min(k.end_s, now_s);
  const double start = std::min(k.start_s, end);
  metrics_.kernel_ran(id_, start, end);
  if (timeline_) timeline_->kernel(id_, k.label, start, end);
}

void DeviceEngine::finish() {
  const double now = s4u::Engine::get_clock();
  refresh_view(now);
  for (std::size_t i = 0; i < finished_in_run_; ++i) report(kernels_[i], now);
  completed_ += finished_in_run_;
  kernels_.erase(kernels_.begin(),
                 kernels_.begin() + static_cast<std::ptrdiff_t>(finished_in_run_));
  run_size_ -= finished_in_run_;
  launched_ -= finished_in_run_;
  finished_in_run_ = 0;
}

void DeviceEngine::run() {
  for (;;) {
    const double start = s4u::Engine::get_clock();
    refresh_view(start);
    if (launched_ == 0) {
      // Nothing launched: wait for a submit, or for the chunk thread's burst to reach the next
      // kernel's launch (a timer while the burst runs; a wake-up when it runs again if not).
      double wait_s = -1;
      if (!kernels_.empty() && chunk_thread_ != nullptr && chunk_thread_->burst_start_s >= 0)
        wait_s = std::max(
            0.0, kernels_.front().ready_at_progress_s - burst_progress_s(*chunk_thread_, start));
      idle_waiting_ = true;
      if (wait_s >= 0)
        work_->acquire_timeout(wait_s);
      else
        work_->acquire();
      idle_waiting_ = false;
      continue;
    }
    // Every launched kernel, back to back from now: one activity for the run.
    run_size_ = launched_;
    finished_in_run_ = 0;
    double t = start, total_s = 0;
    for (std::size_t i = 0; i < run_size_; ++i) {
      Kernel& k = kernels_[i];
      k.start_s = t;
      t += k.duration_s;
      k.end_s = t;
      total_s += k.duration_s;
    }
    refresh_view(start);
    metrics_.kernel_started(id_, start);
    s4u::this_actor::execute(total_s * kWorkUnitsPerSecond);
    const double end = s4u::Engine::get_clock();
    metrics_.observe_time(end);
    kernels_[run_size_ - 1].end_s = end;  // the run ends at SimGrid's clock, not at the sum
    for (std::size_t i = 0; i < run_size_; ++i) {
      report(kernels_.front(), end);
      backlog_s_ -= i < finished_in_run_ ? 0 : kernels_.front().duration_s;
      kernels_.pop_front();
    }
    completed_ += run_size_;
    launched_ -= run_size_;
    run_size_ = finished_in_run_ = 0;
    refresh_view(end);
    if (timeline_) timeline_->device_ran(id_, end);
    metrics_.kernel_ended(id_, end);
    if (kernels_.empty() && !sync_waiters_.empty()) {
      // The stream drained: the completion interrupt wakes every synchronizing thread.
      auto waiters = std::move(sync_waiters_);
      sync_waiters_.clear();
      for (SimThread* t : waiters) cpu_.wake(*t);
    }
    if (kernels_.empty() && !spinners_.empty()) {
      // A spinning thread sees the completion at its next poll (polls are far shorter than
      // anything simulated here, so at once); if it is preempted, when it runs again.
      auto spinners = std::move(spinners_);
      spinners_.clear();
      for (const Spinner& s : spinners) {
        *s.done = true;
        cpu_.kick(*s.thread);
      }
    }
  }
}

}  // namespace aisim
