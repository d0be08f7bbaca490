// NodeRuntime: the simulated node. Builds the host CPU, one engine per accelerator, and one
// dispatch thread per job, and runs the jobs' iterations on them (DESIGN.md section 3).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policies/memory/memory_policy.hpp"
#include "policies/scheduler/scheduler_policy.hpp"
#include "sim/config.hpp"
#include "sim/copy_engine.hpp"
#include "sim/data_loader.hpp"
#include "sim/device_engine.hpp"
#include "sim/host_cpu.hpp"
#include "sim/metrics.hpp"
#include "sim/op_placement.hpp"
#include "sim/optimizer_thread.hpp"
#include "sim/placed_dispatch.hpp"
#include "sim/platform.hpp"
#include "sim/timeline.hpp"
#include "workloads/sequence_length.hpp"
#include "workloads/trace.hpp"

namespace aisim {

class NodeRuntime {
 public:
  NodeRuntime(const Config& config, const Platform& platform, const std::vector<Trace>& traces,
              SchedulerPolicy& scheduler, MemoryPolicy& memory, MetricsCollector& metrics);
  ~NodeRuntime();

  // Reports the run to `timeline` (docs/timeline.md); null (the default) reports nothing. Call
  // before start().
  void set_timeline(Timeline* timeline);
  // Creates every actor; call once, before Engine::run().
  void start();
  // After Engine::run(): closes what was still in progress (CPU bursts of endless threads).
  void finish() {
    cpu_->finish();
    for (auto& engine : engines_)
      if (engine) engine->finish();
  }

  // Energy per device (J) read at the start of the measured window; empty until it starts.
  const std::vector<double>& window_start_energy_j() const { return window_start_energy_j_; }
  // Set when a job ran out of device memory; the simulation was stopped there.
  const std::optional<std::string>& out_of_memory() const { return out_of_memory_; }
  const NodeState& node() const { return node_; }

  struct JobPlan;  // what a job does per iteration, computed once (node_runtime.cpp)

 private:
  void dispatch(int job);
  void on_job_warmed_up(int job);
  void stop_out_of_memory(std::string message);
  // Device memory on the dispatch thread, with its simulated cost. allocate() returns false
  // after stopping the simulation when the tensor does not fit.
  bool allocate(int job, int iteration, SimThread& thread, const TensorRequest& tensor,
                const std::string& op);
  void release(int job, SimThread& thread, TensorId tensor);
  // The two halves of allocate(): the policy's decision (no simulated time) and its settlement
  // (device frees and mallocs charged on the thread, out of memory, metrics).
  bool settle_allocation(int job, int iteration, SimThread& thread, const TensorRequest& tensor,
                         const std::string& op, const AllocResult& alloc);
  // release() without charging the device frees it caused (returned).
  ReleaseResult release_now(int job, TensorId tensor);
  // One eager op the per-op way: its allocations (from `from_tensor` on; `decided`: the policy's
  // answer for that first one, already taken), its host time, its launch (waiting for a launch
  // queue slot), its releases. False when the simulation was stopped (out of memory).
  bool dispatch_op(int job, int iteration, SimThread& thread, std::size_t op, double seq,
                   std::size_t from_tensor = 0, const AllocResult* decided = nullptr);
  // Eager ops from `first` on as one chunk: their allocations and releases decided in order now,
  // one compute() for their host time, each kernel launched when the burst reaches its op (the
  // device follows the burst's progress; DeviceEngine::begin_chunk). The chunk ends at the
  // iteration's end, an allocation or release that costs host time (settled after the burst, at
  // its own instant) or the launch queue's free slots; with none free, op `first` goes alone.
  // Returns the next op; `ok` false when the simulation was stopped (out of memory).
  std::size_t run_chunk(int job, int iteration, SimThread& thread, std::size_t first, double seq,
                        bool& ok);
  void charge_device_frees(int job, SimThread& thread, int frees);
  // The timeline's device-memory counter after the memory policy changed `device`'s figures.
  void memory_changed(DeviceId device);
  // One iteration's ops of a placeable job (sim/placed_dispatch.cpp): each op on the device the
  // placement gives, its inputs from other devices waited for and copied first. False when the
  // simulation was stopped (out of memory).
  bool run_placed_ops(int job, int iteration, SimThread& thread, PlacedJob& placed,
                      const Trace& trace,
                      const std::vector<std::vector<TensorRequest>>& allocate_before_op,
                      const std::vector<std::vector<TensorId>>& release_after_op);
  // Copies `bytes` from device `from` to device `to` over the links (staged through the host
  // when no link joins them); `thread` blocks meanwhile.
  void copy_between(DeviceId from, DeviceId to, double bytes, SimThread& thread);

  const Config& config_;
  const Platform& platform_;
  SchedulerPolicy& scheduler_;
  MemoryPolicy& memory_;
  MetricsCollector& metrics_;
  Timeline* timeline_ = nullptr;
  NodeState node_;
  std::unique_ptr<HostCpu> cpu_;
  std::vector<std::unique_ptr<DeviceEngine>> engines_;  // index = device index (null for the CPU)
  std::vector<std::unique_ptr<CopyEngine>> copy_engines_;  // host-to-device, same indexing
  std::vector<JobPlan> plans_;
  std::vector<std::unique_ptr<DataLoader>> loaders_;  // per job; null without loader workers
  std::vector<std::unique_ptr<OptimizerThread>> optimizers_;  // per job; null without one
  LinkRoutes routes_;
  std::vector<double> window_start_energy_j_;
  std::optional<std::string> out_of_memory_;
  // Invariant checks only: each job's live device allocations (tensor -> bytes).
  std::map<int, std::map<TensorId, double>> live_bytes_;
};

}  // namespace aisim
