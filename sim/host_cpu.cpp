#include "sim/host_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <simgrid/Exception.hpp>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Exec.hpp>
#include <stdexcept>

#include "sim/platform.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

namespace {

// A spinning thread's exec is cut into chunks this long (a spin has no known end); the chunk
// only bounds one activity's amount, it changes no timing.
constexpr double kSpinChunkS = 1.0;
constexpr double kInf = std::numeric_limits<double>::infinity();

double clock_s() {
  return s4u::Engine::get_clock();
}

}  // namespace

HostCpu::HostCpu(const DeviceSpec& spec, SchedulerPolicy& policy, NodeState& node,
                 MetricsCollector& metrics)
    : spec_(spec), policy_(policy), node_(node), metrics_(metrics) {
  node_.cores.assign(spec.cores, CoreView{});
}

SimThread& HostCpu::add_thread(std::string name, int nice, DeviceId feeds_device) {
  auto thread = std::make_unique<SimThread>();
  thread->id = static_cast<ThreadId>(threads_.size());
  ThreadView view;
  view.id = thread->id;
  view.name = std::move(name);
  view.nice = nice;
  view.feeds_device = feeds_device;
  metrics_.thread_added(thread->id, view.name);
  if (timeline_) timeline_->thread_added(thread->id, view.name);
  node_.threads.push_back(std::move(view));
  thread->granted = s4u::Semaphore::create(0);
  threads_.push_back(std::move(thread));
  return *threads_.back();
}

void HostCpu::start_balancer(s4u::Host* host) {
  if (policy_.balance_interval_s(node_) <= 0) return;
  s4u::Actor::create("host/load_balancer", host, [this] { balance_loop(); })->daemonize();
}

void HostCpu::balance_loop() {
  const double interval = policy_.balance_interval_s(node_);
  for (;;) {
    s4u::this_actor::sleep_for(interval);
    account_running();
    node_.set_now(clock_s());
    for (const Migration& m : policy_.balance(node_)) migrate(m);
  }
}

void HostCpu::migrate(const Migration& m) {
  auto& from = node_.cores.at(m.from).queue;
  const auto it = std::find(from.begin(), from.end(), m.thread);
  if (it == from.end() || m.to < 0 || m.to >= static_cast<CoreId>(node_.cores.size()))
    throw std::logic_error("scheduler policy asked to migrate a thread that is not queued on " +
                           std::to_string(m.from));
  from.erase(it);
  node_.cores[m.from].queued = from.size();
  CoreView& to = node_.cores[m.to];
  to.queue.push_back(m.thread);
  to.queued = to.queue.size();
  policy_.migrated(node_.threads[m.thread], m.from, m.to, node_);
  if (to.running == kNone) {
    const std::size_t index = policy_.pick_next(m.to, node_);
    const ThreadId next = to.queue[index];
    to.queue.erase(to.queue.begin() + static_cast<std::ptrdiff_t>(index));
    to.queued = to.queue.size();
    grant(m.to, *threads_[next]);
  } else {
    kick(*threads_[to.running]);  // its slice may have become finite
  }
}

void HostCpu::start(SimThread& thread) {
  wake(thread);
  wait_for_core(thread);
}

void HostCpu::compute(SimThread& thread, double seconds) {
  if (seconds > 0) run(thread, seconds, nullptr);
}

void HostCpu::spin_until(SimThread& thread, const bool* done) {
  run(thread, kInf, done);
}

double HostCpu::slice_end_s(const SimThread& thread) const {
  if (node_.cores[thread.core].queue.empty()) return kInf;  // nobody waits: no slice end
  return thread.picked_at_s + policy_.slice_s(view(thread), thread.core, node_);
}

void HostCpu::account_running() {
  for (const CoreView& c : node_.cores)
    if (c.running != kNone) update_curr(*threads_[c.running]);
}

void HostCpu::update_curr(SimThread& thread) {
  const double now = clock_s();
  if (thread.core == kNone || now <= thread.accounted_until_s) return;
  node_.set_now(now);
  policy_.account(view(thread), thread.core, now - thread.accounted_until_s, node_);
  thread.accounted_until_s = now;
}

void HostCpu::run(SimThread& thread, double seconds, const bool* done) {
  double remaining = seconds;
  thread.burst_done_s = 0;
  while (remaining > kTimeSlackS && !(done && *done)) {
    const CoreId core = thread.core;
    const double amount = std::isinf(remaining) ? kSpinChunkS : remaining;
    const double start = clock_s();
    thread.burst_start_s = start;
    if (thread.on_segment_start) thread.on_segment_start();
    bool switched_out = false;
    // The part of the burst in progress: one exec, replaced by a new one for the rest of the
    // burst when a kick cancelled it and the thread keeps its core.
    s4u::ExecPtr exec;
    for (;;) {
      const double now = clock_s();
      const double left = amount - (now - start);
      if (left <= kTimeSlackS) break;  // ends now, give or take SimGrid's rounding
      if (done && *done) break;
      const double slice_end = slice_end_s(thread);
      if (thread.preempt_pending || now >= slice_end - kTimeSlackS) {
        switched_out = true;
        break;
      }
      if (!exec) {
        exec = s4u::this_actor::exec_init(left * kWorkUnitsPerSecond);
        thread.burst = exec;
        exec->start();
        continue;  // others ran during the start: look again before waiting
      }
      try {
        if (slice_end - now < left)
          exec->wait_for(slice_end - now);  // the slice ends first: TimeoutException
        else
          exec->wait();
        thread.burst = nullptr;
        exec = nullptr;
        break;  // the burst ran to its end
      } catch (const simgrid::TimeoutException&) {
        // The slice ended; the exec goes on while the loop decides.
      } catch (const simgrid::CancelException&) {
        exec = nullptr;  // kicked (kick() cleared thread.burst)
      }
    }
    if (exec) {
      thread.burst = nullptr;
      exec->cancel();
    }
    const double end = clock_s();
    thread.burst_start_s = -1;
    thread.burst_done_s += end - start;
    metrics_.core_busy(core, start, end);
    metrics_.thread_ran(thread.id, start, end);
    if (timeline_) timeline_->thread_ran(core, thread.id, start, end);
    remaining -= end - start;  // stays +inf for a spin
    // The policy's accounting happens where a decision reads it (here a slice end; wake-ups,
    // pulls, balancing and leaving the core elsewhere), as Linux's update_curr runs at
    // scheduling events, not at the end of each piece of work: so the CPU time the policy
    // sees does not depend on how a thread's work is cut into bursts (one op, or a chunk).
    if (switched_out) {
      update_curr(thread);
      requeue(thread);
    }
  }
}

void HostCpu::finish() {
  const double now = clock_s();
  for (auto& t : threads_) {
    if (t->burst_start_s < 0 || t->core == kNone) continue;
    metrics_.core_busy(t->core, t->burst_start_s, now);
    metrics_.thread_ran(t->id, t->burst_start_s, now);
    if (timeline_) timeline_->thread_ran(t->core, t->id, t->burst_start_s, now);
    t->burst_start_s = now;  // if the simulation went on, the rest of the burst counts from here
  }
}

void HostCpu::wake(SimThread& thread) {
  const double now = clock_s();
  thread.runnable_since_s = now;
  thread.woken = true;
  // The policy places the thread by the cores' state, running threads' CPU time included (CFS's
  // sleeper placement reads the run queue's min_vruntime, which follows the running thread; Linux
  // updates it on enqueue). Account every running thread up to now first, so that what the policy
  // sees does not depend on where their bursts happen to be cut (one op or a chunk of ops).
  account_running();
  node_.set_now(now);
  const CoreId core = policy_.place_wakeup(view(thread), node_);
  CoreView& c = node_.cores.at(core);
  if (c.running == kNone && c.queue.empty()) {
    grant(core, thread);
    return;
  }
  c.queue.push_back(thread.id);
  c.queued = c.queue.size();
  if (c.running == kNone) return;  // cannot happen: a free core's queue is always empty
  SimThread& running = *threads_[c.running];
  update_curr(running);
  if (!running.preempt_pending && policy_.should_preempt(view(running), view(thread), core, node_))
    running.preempt_pending = true;
  kick(running);  // a preemption, or its slice just became finite
}

void HostCpu::grant(CoreId core, SimThread& thread) {
  node_.cores[core].running = thread.id;
  thread.core = core;
  thread.preempt_pending = false;
  thread.accounted_until_s = kInf;  // nothing to account until the switch-in is paid
  if (last_ran_.size() <= static_cast<std::size_t>(core)) last_ran_.resize(core + 1, kNone);
  thread.cache_cold = last_ran_[core] != thread.id;
  last_ran_[core] = thread.id;
  node_.threads[thread.id].last_core = core;
  thread.granted->release();
}

void HostCpu::wait_for_core(SimThread& thread) {
  thread.granted->acquire();
  // Switching the thread in (from the idle task or from another thread) costs CPU time on the
  // core before the thread's own work starts; the wait ends when the thread really runs. The
  // switch itself is not interruptible. A thread whose caches another thread evicted also pays
  // their refill (modelled as CPU time at the switch-in, the indirect cost).
  const double start = clock_s();
  const double switch_s =
      spec_.context_switch_s + (thread.cache_cold ? spec_.context_switch_cache_refill_s : 0.0);
  if (switch_s > 0) s4u::this_actor::execute(switch_s * kWorkUnitsPerSecond);
  const double now = clock_s();
  metrics_.core_busy(thread.core, start, now);
  metrics_.thread_switched_in(thread.id, thread.runnable_since_s, now, thread.woken);
  if (timeline_) timeline_->context_switch(thread.core, thread.id, start, now);
  thread.picked_at_s = now;
  thread.accounted_until_s = now;
}

void HostCpu::release_core(SimThread& thread) {
  update_curr(thread);
  vacate(thread);
}

void HostCpu::vacate(SimThread& thread) {
  const CoreId core = thread.core;
  thread.core = kNone;
  thread.preempt_pending = false;
  CoreView& c = node_.cores[core];
  c.running = kNone;
  account_running();
  node_.set_now(clock_s());
  if (c.queue.empty()) {
    const auto pulled = policy_.pull_for_idle(core, node_);
    if (!pulled) return;
    migrate(*pulled);  // grants the pulled thread the idle core
    return;
  }
  const std::size_t index = policy_.pick_next(core, node_);
  const ThreadId next = c.queue[index];
  c.queue.erase(c.queue.begin() + static_cast<std::ptrdiff_t>(index));
  c.queued = c.queue.size();
  grant(core, *threads_[next]);
}

void HostCpu::requeue(SimThread& thread) {
  const CoreId core = thread.core;
  CoreView& c = node_.cores[core];
  thread.preempt_pending = false;
  const double now = clock_s();
  if (c.queue.empty()) {  // nobody else to run (the waiter was migrated away)
    thread.picked_at_s = now;
    return;
  }
  node_.set_now(now);
  c.queue.push_back(thread.id);
  const std::size_t index = policy_.pick_next(core, node_);
  const ThreadId next = c.queue[index];
  c.queue.erase(c.queue.begin() + static_cast<std::ptrdiff_t>(index));
  c.queued = c.queue.size();
  if (next == thread.id) {  // picked again: a new slice, no switch
    thread.picked_at_s = now;
    return;
  }
  thread.runnable_since_s = now;
  thread.woken = false;
  thread.core = kNone;
  metrics_.involuntary_preemption(thread.id);
  c.running = kNone;
  grant(core, *threads_[next]);
  wait_for_core(thread);
}

}  // namespace aisim
