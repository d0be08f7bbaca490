// The narrow view of the node that policies see. policies/ declares it, sim/ fills it and keeps
// it current; policies never reach into the runtime's internals or globals.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <vector>

namespace aisim {

using CoreId = int;
using ThreadId = int;
using DeviceId = int;
inline constexpr int kNone = -1;

struct ThreadView {
  ThreadId id = kNone;
  std::string name;
  int nice = 0;
  CoreId last_core = kNone;  // the core it last ran on, kNone if it never ran
  // The accelerator this thread keeps busy (a job's dispatch thread and its data-loader
  // workers), kNone for threads that feed no device (other tenants' load).
  DeviceId feeds_device = kNone;
};

struct CoreView {
  ThreadId running = kNone;    // kNone when idle
  std::size_t queued = 0;      // threads waiting in this core's run queue (== queue.size())
  std::deque<ThreadId> queue;  // the run queue, in arrival order (front = longest waiting)
};

struct DeviceView {
  std::string name;
  std::size_t queue_depth = 0;  // kernels submitted and not finished (running included)
  double memory_capacity_bytes = 0;
  // For device selection (earliest finish time): the device time already queued (kernels not
  // finished, the running one counted whole), the host CPU time of one launch, and the
  // host-to-device link bandwidth (0 for the host itself).
  double backlog_s = 0;
  double launch_latency_s = 0;
  double host_link_bandwidth_bytes_per_s = 0;
  // The running kernel (0, 0 when idle): its duration, counted whole in backlog_s, and when it
  // ends, so that a policy can count only what is left of it.
  double running_s = 0;
  double running_end_s = 0;
  // Device time still to run at `now_s`: the queued kernels plus the rest of the running one.
  double remaining_s(double now_s) const {
    const double rest = running_end_s > now_s ? running_end_s - now_s : 0.0;
    const double left = backlog_s - running_s + rest;
    return left > 0 ? left : 0.0;
  }
};

struct NodeState {
  double now_s = 0;  // current as of the last policy call
  std::vector<CoreView> cores;
  std::vector<DeviceView> devices;
  std::vector<ThreadView> threads;  // index = ThreadId; every thread the host knows
  // Brings the views that are kept lazily (a device's queue: kernels complete inside one
  // SimGrid activity that covers a run of back-to-back kernels) up to date at `now_s`. The
  // runtime sets it; policies never call it, they see fresh views.
  std::function<void(double now_s)> refresh;
  // Sets now_s and refreshes the lazy views: the runtime calls it before every policy decision.
  void set_now(double now) {
    now_s = now;
    if (refresh) refresh(now);
  }
};

}  // namespace aisim
