// A job's data-loader workers (PyTorch DataLoader with num_workers > 0): each worker thread makes
// whole batches (decode + augmentation CPU time per sample) into a queue of ready batches bounded
// at prefetch_batches (made or being made); the dispatch thread takes one at each iteration start
// and blocks when none is ready. Workers block when the bound is reached. All waits and wake-ups
// go through HostCpu, so the loader contends for cores like every other thread.
#pragma once

#include <simgrid/s4u/Host.hpp>
#include <string>
#include <vector>

#include "sim/config.hpp"
#include "sim/host_cpu.hpp"

namespace aisim {

class DataLoader {
 public:
  // `batches`: how many the job will take in all; `feeds`: the job's device (the workers feed it).
  DataLoader(HostCpu& cpu, const DataLoaderSpec& spec, std::string job_name, int batches,
             int batch_size, DeviceId feeds);

  // Creates the worker actors on `host`.
  void start(simgrid::s4u::Host* host);
  // Called by the consumer while it holds a core; returns holding a core, one batch taken.
  void take_batch(SimThread& consumer);

 private:
  void worker(SimThread& self);

  HostCpu& cpu_;
  DataLoaderSpec spec_;
  std::string job_name_;
  int batches_;
  double cpu_per_batch_s_;
  DeviceId feeds_;
  int claimed_ = 0;    // batches a worker started
  int in_flight_ = 0;  // being made or ready, not taken
  int ready_ = 0;
  SimThread* consumer_waiting_ = nullptr;
  std::vector<SimThread*> workers_waiting_;
};

}  // namespace aisim
