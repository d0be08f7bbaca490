// One accelerator's compute engine: a FIFO stream of kernels executed one at a time, with the
// durations the cost model gave. Host threads submit without blocking and synchronize until the
// stream drains: either blocking (woken on completion through the host scheduler, like
// cudaStreamSynchronize with cudaDeviceScheduleBlockingSync) or spinning (polling on its core,
// cudaDeviceScheduleSpin).
//
// One stream and nothing else on the device's SimGrid host: a kernel starts when the previous
// one ends or when it is submitted, whichever is later, so the kernels queued when the engine's
// actor looks are a run of back-to-back kernels whose start and end times are known. The actor
// executes such a run as one SimGrid activity (the device's load, so its energy, is the same as
// with one activity per kernel) and reports each kernel's times when the run ends. What other
// actors see meanwhile, a kernel finishing inside the run (the device's queue depth, backlog and
// running kernel in NodeState, a launch slot freed), is computed from those times when they look
// (refresh_view, and a blocked launch sleeps until its slot's kernel ends). So a device costs one
// activity per busy run, not per kernel (docs/performance.md).
#pragma once

#include <cstdint>
#include <deque>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Semaphore.hpp>
#include <vector>

#include "policies/node_state.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"
#include "sim/timeline.hpp"

namespace aisim {

class DeviceEngine {
 public:
  DeviceEngine(DeviceId id, simgrid::s4u::Host* host, NodeState& node, MetricsCollector& metrics,
               HostCpu& cpu, int launch_queue_depth = 1 << 30);

  // Kernels submitted and completed since the start (for invariant checks and reports).
  std::uint64_t submitted_kernels() const { return submitted_; }
  std::uint64_t completed_kernels() const { return completed_; }

  // Creates the engine's actor (a daemon: the simulation ends when the jobs do).
  void start();
  // Brings the device's DeviceView (queue depth, backlog, running kernel) up to date at `now_s`
  // (not before the last call's time): kernels of the run in progress that ended by then count
  // as finished.
  void refresh_view(double now_s);
  // At the end of the simulation: reports the kernels of the run in progress that have ended
  // (a run's kernels are otherwise reported when the whole run ends; the kernel still running
  // is not reported, as it has not finished).
  void finish();
  // Reports every kernel to `timeline` (null: none, the default). Set before the first submit.
  void set_timeline(Timeline* timeline) { timeline_ = timeline; }
  // Enqueues a kernel of `duration_s`; never blocks the caller. `label` names it on the
  // timeline (kept only when there is one).
  void submit(double duration_s, const KernelLabel& label = {});
  // Same, as a launch call made by `thread`: while launch_queue_depth kernels are pending
  // (queued or running) the call blocks (releasing the core) until one finishes, as CUDA does:
  // the thread sleeps until the oldest pending kernel's end and is then woken through the
  // scheduler.
  void submit(double duration_s, SimThread& thread, const KernelLabel& label = {});
  // Waits until every submitted kernel has finished. Returns at once, keeping the core, if the
  // stream is already idle. `spin`: the thread keeps its core busy polling (it can still be
  // preempted like any CPU-bound thread); otherwise it blocks, releasing its core, and is woken.
  void synchronize(SimThread& thread, bool spin = false);

  // Chunked dispatch (sim/node_runtime.cpp): `thread` is about to run one compute() that stands
  // for several ops, each launching a kernel when the burst has run `ready_at_progress_s` of CPU
  // time (submit_in_chunk). A chunk kernel is launched, for every purpose (the device starting
  // it, the queue depth others see), exactly when the thread's burst reaches its offset, however
  // the burst is sliced or preempted; the device waits on the thread's progress meanwhile. One
  // submitter per device while a chunk is open (the runtime checks it).
  void begin_chunk(SimThread& thread);
  void submit_in_chunk(double duration_s, double ready_at_progress_s, const KernelLabel& label);
  // After the chunk's compute() returned: every chunk kernel has been launched.
  void end_chunk();
  // Launches that would not block now (launch_queue_depth minus the pending ones).
  std::size_t free_launch_slots();

 private:
  struct Kernel {
    double duration_s = 0;
    double start_s = 0, end_s = 0;  // set when its run starts
    KernelLabel label;              // only while a timeline is set
    // A chunk kernel: launched once the chunk thread's burst has run this much CPU time; -1 once
    // launched (or for a kernel submitted directly).
    double ready_at_progress_s = -1;
  };
  bool launched(const Kernel& k, double now_s) const;
  // Releases the actor if it sleeps on work_.
  void wake_actor();
  void run();
  // Reports a finished kernel (metrics, timeline), its times clipped to `now_s`.
  void report(const Kernel& k, double now_s);
  // Kernels launched and not yet finished at the last refresh_view (the running one included).
  std::size_t pending() const { return launched_ - finished_in_run_; }
  // When the oldest unfinished kernel ends (if it is not in a run yet: as if its run started now).
  double next_end_s(double now_s) const;

  DeviceId id_;
  simgrid::s4u::Host* host_;
  NodeState& node_;
  MetricsCollector& metrics_;
  HostCpu& cpu_;
  Timeline* timeline_ = nullptr;
  // Every kernel not yet reported: the run in progress (the first run_size_), then the queued.
  std::deque<Kernel> kernels_;
  std::size_t run_size_ = 0;
  std::size_t finished_in_run_ = 0;  // kernels of the run that ended by the last refresh_view
  std::size_t launched_ = 0;         // leading kernels launched by the last refresh_view
  SimThread* chunk_thread_ = nullptr;
  std::uint64_t submitted_ = 0, completed_ = 0;
  // Durations of the launched, unfinished kernels (the running one counted whole).
  double backlog_s_ = 0;
  bool idle_waiting_ = false;  // the actor sleeps on work_ until a submit
  simgrid::s4u::SemaphorePtr work_;
  std::vector<SimThread*> sync_waiters_;
  size_t launch_queue_depth_;
  struct Spinner {
    SimThread* thread;
    bool* done;  // on the spinner's stack, alive until its spin returns
  };
  std::vector<Spinner> spinners_;
};

}  // namespace aisim
