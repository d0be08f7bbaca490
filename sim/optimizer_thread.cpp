#include "sim/optimizer_thread.hpp"

#include <simgrid/s4u/Actor.hpp>

namespace aisim {
namespace s4u = simgrid::s4u;

OptimizerThread::OptimizerThread(HostCpu& cpu, std::string name, int nice, DeviceId feeds,
                                 double cpu_time_per_step_s)
    : cpu_(cpu), name_(std::move(name)), cpu_time_per_step_s_(cpu_time_per_step_s) {
  self_ = &cpu_.add_thread(name_, nice, feeds);
}

void OptimizerThread::start(s4u::Host* host) {
  s4u::Actor::create(name_, host, [this] { run(); })->daemonize();
}

void OptimizerThread::run() {
  cpu_.start(*self_);
  for (;;) {
    if (updated_ == handed_) {
      idle_ = true;
      cpu_.release_core(*self_);
      cpu_.wait_for_core(*self_);  // woken by step_ready
      continue;
    }
    cpu_.compute(*self_, cpu_time_per_step_s_);
    ++updated_;
    if (updated_ == handed_ && waiter_) {
      SimThread* w = waiter_;
      waiter_ = nullptr;
      cpu_.wake(*w);
    }
  }
}

void OptimizerThread::step_ready() {
  ++handed_;
  if (idle_) {
    idle_ = false;
    cpu_.wake(*self_);
  }
}

void OptimizerThread::wait_updated(SimThread& waiter) {
  if (updated_ == handed_) return;
  waiter_ = &waiter;
  cpu_.release_core(waiter);
  cpu_.wait_for_core(waiter);  // woken by the optimizer when it catches up
}

}  // namespace aisim
