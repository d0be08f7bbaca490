#include "sim/device_engine.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

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

void DeviceEngine::set_depth() {
  node_.devices[id_].queue_depth = queue_.size() + (busy_ ? 1 : 0);
  node_.devices[id_].backlog_s = backlog_s_;
}

void DeviceEngine::submit(double duration_s, const KernelLabel& label) {
  ++submitted_;
  queue_.push_back(duration_s);
  if (timeline_) labels_.push_back(label);
  backlog_s_ += duration_s;
  set_depth();
  if (idle_waiting_) {
    idle_waiting_ = false;
    work_->release();
  }
}

void DeviceEngine::submit(double duration_s, SimThread& thread, const KernelLabel& label) {
  while (queue_.size() + (busy_ ? 1 : 0) >= launch_queue_depth_) {
    slot_waiters_.push_back(&thread);
    cpu_.release_core(thread);
    cpu_.wait_for_core(thread);
  }
  submit(duration_s, label);
}

void DeviceEngine::synchronize(SimThread& thread, bool spin) {
  if (queue_.empty() && !busy_) return;
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

void DeviceEngine::run() {
  for (;;) {
    if (queue_.empty()) {
      idle_waiting_ = true;
      work_->acquire();
      continue;
    }
    const double duration = queue_.front();
    queue_.pop_front();
    busy_ = true;
    node_.devices[id_].running_s = duration;  // device selection counts only what is left of it
    node_.devices[id_].running_end_s = s4u::Engine::get_clock() + duration;
    set_depth();
    const double start = s4u::Engine::get_clock();
    metrics_.kernel_started(id_, start);
    s4u::this_actor::execute(duration * kWorkUnitsPerSecond);
    busy_ = false;
    node_.devices[id_].running_s = node_.devices[id_].running_end_s = 0;
    backlog_s_ = queue_.empty() ? 0 : backlog_s_ - duration;  // no drift when drained
    set_depth();
    const double end = s4u::Engine::get_clock();
    ++completed_;
    metrics_.kernel_ran(id_, start, end);
    if (timeline_) {
      timeline_->kernel(id_, labels_.front(), start, end);
      labels_.pop_front();
    }
    metrics_.kernel_ended(id_, end);
    if (!slot_waiters_.empty()) {  // a launch queue slot is free: the first blocked launch goes on
      SimThread* t = slot_waiters_.front();
      slot_waiters_.pop_front();
      cpu_.wake(*t);
    }
    if (queue_.empty() && !sync_waiters_.empty()) {
      // The stream drained: the completion interrupt wakes every synchronizing thread.
      auto waiters = std::move(sync_waiters_);
      sync_waiters_.clear();
      for (SimThread* t : waiters) cpu_.wake(*t);
    }
    if (queue_.empty() && !spinners_.empty()) {
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
