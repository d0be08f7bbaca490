#include "sim/host_cpu.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "sim/platform.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

HostCpu::HostCpu(const DeviceSpec& spec, SchedulerPolicy& policy, NodeState& node,
                 MetricsCollector& metrics)
    : spec_(spec), policy_(policy), node_(node), metrics_(metrics), run_queues_(spec.cores) {
  node_.cores.assign(spec.cores, CoreView{});
}

SimThread& HostCpu::add_thread(std::string name, int nice) {
  auto thread = std::make_unique<SimThread>();
  thread->view.id = static_cast<ThreadId>(threads_.size());
  thread->view.name = std::move(name);
  thread->view.nice = nice;
  thread->granted = s4u::Semaphore::create(0);
  threads_.push_back(std::move(thread));
  return *threads_.back();
}

void HostCpu::start(SimThread& thread) {
  wake(thread);
  wait_for_core(thread);
}

void HostCpu::compute(SimThread& thread, double seconds) {
  if (seconds <= 0) return;
  const double start = s4u::Engine::get_clock();
  s4u::this_actor::execute(seconds * kWorkUnitsPerSecond);
  metrics_.core_busy(thread.core, start, s4u::Engine::get_clock());
}

void HostCpu::wake(SimThread& thread) {
  thread.runnable_since_s = s4u::Engine::get_clock();
  node_.now_s = thread.runnable_since_s;
  const CoreId core = policy_.place_wakeup(thread.view, node_);
  if (node_.cores[core].running == kNone && run_queues_[core].empty()) {
    grant(core, thread);
  } else {
    run_queues_[core].push_back(thread.view);
    node_.cores[core].queued = run_queues_[core].size();
  }
}

void HostCpu::grant(CoreId core, SimThread& thread) {
  node_.cores[core].running = thread.view.id;
  thread.core = core;
  thread.view.last_core = core;
  thread.granted->release();
}

void HostCpu::wait_for_core(SimThread& thread) {
  thread.granted->acquire();
  // Switching the thread in (from the idle task or from another thread) costs CPU time on the
  // core before the thread's own work starts; the wait ends when the thread really runs.
  compute(thread, spec_.context_switch_s);
  metrics_.thread_switched_in(thread.runnable_since_s, s4u::Engine::get_clock());
}

void HostCpu::release_core(SimThread& thread) {
  const CoreId core = thread.core;
  thread.core = kNone;
  node_.cores[core].running = kNone;
  auto& queue = run_queues_[core];
  if (queue.empty()) return;
  node_.now_s = s4u::Engine::get_clock();
  const size_t index = policy_.pick_next(core, queue, node_);
  const ThreadId next = queue[index].id;
  queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(index));
  node_.cores[core].queued = queue.size();
  grant(core, *threads_[next]);
}

}  // namespace aisim
