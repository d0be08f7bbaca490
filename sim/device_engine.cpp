#include "sim/device_engine.hpp"

#include <algorithm>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "sim/platform.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

namespace {
// A kernel of the run in progress counts as finished at `now` if it ends within this of it:
// the run's kernel times are sums of durations, SimGrid's clock advances by the run's total, and
// the two differ in the last bits. Far below any kernel (the shortest is the 1 us overhead).
constexpr double kTimeSlackS = 1e-9;
}  // namespace

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

void DeviceEngine::refresh_view(double now_s) {
  while (finished_in_run_ < run_size_ && kernels_[finished_in_run_].end_s <= now_s + kTimeSlackS) {
    backlog_s_ -= kernels_[finished_in_run_].duration_s;
    ++finished_in_run_;
  }
  if (kernels_.size() == finished_in_run_) backlog_s_ = 0;  // no drift when drained
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

double DeviceEngine::next_end_s(double now_s) const {
  if (finished_in_run_ < run_size_) return kernels_[finished_in_run_].end_s;
  // Queued behind nothing: the actor starts a run with it at once (it has been released).
  return now_s + kernels_[finished_in_run_].duration_s;
}

void DeviceEngine::submit(double duration_s, const KernelLabel& label) {
  ++submitted_;
  Kernel kernel;
  kernel.duration_s = duration_s;
  if (timeline_) kernel.label = label;
  kernels_.push_back(kernel);
  backlog_s_ += duration_s;
  refresh_view(s4u::Engine::get_clock());
  if (idle_waiting_) {
    idle_waiting_ = false;
    work_->release();
  }
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
  finished_in_run_ = 0;
}

void DeviceEngine::run() {
  for (;;) {
    if (kernels_.empty()) {
      idle_waiting_ = true;
      work_->acquire();
      continue;
    }
    // Every queued kernel, back to back from now: one activity for the run.
    const double start = s4u::Engine::get_clock();
    run_size_ = kernels_.size();
    finished_in_run_ = 0;
    double t = start, total_s = 0;
    for (Kernel& k : kernels_) {
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
