// The narrow view of the node that policies see. policies/ declares it, sim/ fills it and keeps
// it current; policies never reach into the runtime's internals or globals.
#pragma once

#include <cstddef>
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
};

struct CoreView {
  ThreadId running = kNone;  // kNone when idle
  std::size_t queued = 0;    // threads waiting in this core's run queue
};

struct DeviceView {
  std::string name;
  std::size_t queue_depth = 0;  // kernels submitted and not finished (running included)
  double memory_capacity_bytes = 0;
};

struct NodeState {
  double now_s = 0;
  std::vector<CoreView> cores;
  std::vector<DeviceView> devices;
};

}  // namespace aisim
