#include "sim/data_loader.hpp"

#include <simgrid/s4u/Actor.hpp>

namespace aisim {
namespace s4u = simgrid::s4u;

DataLoader::DataLoader(HostCpu& cpu, const DataLoaderSpec& spec, std::string job_name, int batches,
                       int batch_size, DeviceId feeds)
    : cpu_(cpu),
      spec_(spec),
      job_name_(std::move(job_name)),
      batches_(batches),
      cpu_per_batch_s_(spec.cpu_time_per_sample_s * batch_size),
      feeds_(feeds) {}

void DataLoader::start(s4u::Host* host) {
  for (int w = 0; w < spec_.workers; ++w) {
    const std::string name = job_name_ + "/loader" + std::to_string(w);
    // Workers are not marked as feeding the device (kNone): they feed the dispatch thread's
    // batch queue, and boosting them only while the device starves made them produce just in
    // time, which lengthened data waits (docs/NOTES.md).
    SimThread& t = cpu_.add_thread(name, spec_.nice, kNone);
    // Daemons: a worker blocked on a full queue when the job ends must not keep the run alive.
    s4u::Actor::create(name, host, [this, &t] { worker(t); })->daemonize();
  }
}

void DataLoader::worker(SimThread& self) {
  cpu_.start(self);
  while (claimed_ < batches_) {
    if (in_flight_ >= spec_.prefetch_batches) {
      workers_waiting_.push_back(&self);
      cpu_.release_core(self);
      cpu_.wait_for_core(self);  // woken by take_batch when a slot frees
      continue;
    }
    ++claimed_;
    ++in_flight_;
    cpu_.compute(self, cpu_per_batch_s_);
    ++ready_;
    if (consumer_waiting_) {
      SimThread* consumer = consumer_waiting_;
      consumer_waiting_ = nullptr;
      cpu_.wake(*consumer);
    }
  }
  cpu_.release_core(self);
}

void DataLoader::take_batch(SimThread& consumer) {
  if (ready_ == 0) {
    consumer_waiting_ = &consumer;
    cpu_.release_core(consumer);
    cpu_.wait_for_core(consumer);  // woken by the worker that finished a batch
  }
  --ready_;
  --in_flight_;
  if (!workers_waiting_.empty()) {
    SimThread* worker = workers_waiting_.front();
    workers_waiting_.erase(workers_waiting_.begin());
    cpu_.wake(*worker);
  }
}

}  // namespace aisim
