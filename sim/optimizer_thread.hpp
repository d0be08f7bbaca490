// A job's host-side optimizer thread (job.optimizer, docs/config.md): the CPU part of the
// optimizer step (e.g. ZeRO-Offload's CPU Adam, a host-side gradient clip or LR schedule), made a
// thread of its own so that it contends for cores like every other thread: the dispatch thread
// hands it a step once the step's device work is done (step_ready), prepares the next step
// meanwhile (input batch, copy), and waits for the update before its first launch (wait_updated).
#pragma once

#include <simgrid/s4u/Host.hpp>
#include <string>

#include "sim/host_cpu.hpp"

namespace aisim {

class OptimizerThread {
 public:
  // `feeds`: the job's device; the optimizer is on its critical path (the next step waits).
  OptimizerThread(HostCpu& cpu, std::string name, int nice, DeviceId feeds,
                  double cpu_time_per_step_s);

  // Creates the thread's actor on `host` (a daemon: it sleeps between steps).
  void start(simgrid::s4u::Host* host);
  // Called by the dispatch thread: one more step to update. Never blocks.
  void step_ready();
  // Called by the dispatch thread while it holds a core: returns, holding a core, once every
  // step handed over so far is updated.
  void wait_updated(SimThread& waiter);

 private:
  void run();

  HostCpu& cpu_;
  std::string name_;
  double cpu_time_per_step_s_;
  SimThread* self_ = nullptr;
  int handed_ = 0;     // steps handed over by step_ready
  int updated_ = 0;    // steps updated
  bool idle_ = false;  // blocked, waiting for a step
  SimThread* waiter_ = nullptr;
};

}  // namespace aisim
