#include "sim/copy_engine.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace aisim {
namespace s4u = simgrid::s4u;

CopyEngine::CopyEngine(s4u::Host* from, s4u::Host* to, HostCpu& cpu)
    : from_(from), to_(to), cpu_(cpu), work_(s4u::Semaphore::create(0)) {}

void CopyEngine::start() {
  s4u::Actor::create(to_->get_name() + "/copy_h2d", to_, [this] { run(); })->daemonize();
}

std::uint64_t CopyEngine::enqueue(double bytes) {
  queue_.push_back(bytes);
  if (idle_waiting_) {
    idle_waiting_ = false;
    work_->release();
  }
  return issued_++;
}

void CopyEngine::wait(SimThread& thread, std::uint64_t ticket) {
  if (done(ticket)) return;
  waiters_.emplace(ticket, &thread);
  cpu_.release_core(thread);
  cpu_.wait_for_core(thread);
}

void CopyEngine::run() {
  for (;;) {
    if (queue_.empty()) {
      idle_waiting_ = true;
      work_->acquire();
      continue;
    }
    const double bytes = queue_.front();
    queue_.pop_front();
    const double start = s4u::Engine::get_clock();
    s4u::Comm::sendto(from_, to_, static_cast<std::uint64_t>(bytes));
    if (timeline_) timeline_->copy(device_, bytes, start, s4u::Engine::get_clock());
    const std::uint64_t ticket = finished_++;
    // The copy's completion event wakes whoever waits for it.
    auto [lo, hi] = waiters_.equal_range(ticket);
    std::vector<SimThread*> woken;
    for (auto it = lo; it != hi; ++it) woken.push_back(it->second);
    waiters_.erase(lo, hi);
    for (SimThread* t : woken) cpu_.wake(*t);
  }
}

}  // namespace aisim
