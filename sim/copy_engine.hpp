// A device's host-to-device copy engine: a FIFO of copies run one at a time over the link by an
// actor of its own, so that a copy issued ahead (a prefetch) overlaps the kernels of the current
// step. The synchronous input-batch copy of the other policies does not use it: the dispatch
// thread copies and blocks itself (a cudaMemcpy), as before.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <vector>

#include "sim/host_cpu.hpp"
#include "sim/timeline.hpp"

namespace aisim {

class CopyEngine {
 public:
  CopyEngine(simgrid::s4u::Host* from, simgrid::s4u::Host* to, HostCpu& cpu);

  void start();  // creates the engine's daemon actor
  // Reports every copy to `timeline` as one of `device`'s (null: none, the default).
  void set_timeline(Timeline* timeline, int device) {
    timeline_ = timeline;
    device_ = device;
  }
  // Enqueues a copy of `bytes`; never blocks. Returns a ticket for done()/wait().
  std::uint64_t enqueue(double bytes);
  bool done(std::uint64_t ticket) const { return ticket < finished_; }
  // Blocks `thread` (releasing its core) until the copy finished; returns at once, keeping the
  // core, if it already has.
  void wait(SimThread& thread, std::uint64_t ticket);

 private:
  void run();

  simgrid::s4u::Host* from_;
  simgrid::s4u::Host* to_;
  HostCpu& cpu_;
  Timeline* timeline_ = nullptr;
  int device_ = -1;
  std::deque<double> queue_;
  std::uint64_t issued_ = 0, finished_ = 0;  // copies complete in FIFO order
  bool idle_waiting_ = false;
  simgrid::s4u::SemaphorePtr work_;
  std::multimap<std::uint64_t, SimThread*> waiters_;  // ticket -> thread
};

}  // namespace aisim
