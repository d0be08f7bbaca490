#include "sim/node_runtime.hpp"

#include <fmt/format.h>
#include <simgrid/plugins/energy.h>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

#include "models/roofline_cost_model.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

// Everything about a job that does not change between iterations, computed once.
struct NodeRuntime::JobPlan {
  const JobSpec* spec = nullptr;
  const Trace* trace = nullptr;
  DeviceId device = kNone;
  double host_time_per_op_s = 0;          // framework dispatch + launch call
  std::vector<double> kernel_duration_s;  // per op, from the device's cost model
  double input_bytes = 0;                 // one batch, host to device
  int batch_size = 0;
};

NodeRuntime::NodeRuntime(const Config& config, const Platform& platform,
                         const std::vector<Trace>& traces, SchedulerPolicy& scheduler,
                         MemoryPolicy& memory, MetricsCollector& metrics)
    : config_(config),
      platform_(platform),
      scheduler_(scheduler),
      memory_(memory),
      metrics_(metrics) {
  const int host = config.host_index();
  cpu_ = std::make_unique<HostCpu>(config.devices[host], scheduler_, node_, metrics_);
  std::vector<double> capacities;
  for (const auto& d : config.devices) {
    node_.devices.push_back({d.name, 0, d.memory_capacity_bytes});
    capacities.push_back(d.memory_capacity_bytes);
  }
  memory_.configure(capacities);
  for (size_t i = 0; i < config.devices.size(); ++i) {
    engines_.push_back(static_cast<int>(i) == host
                           ? nullptr
                           : std::make_unique<DeviceEngine>(static_cast<DeviceId>(i),
                                                            platform.hosts[i], node_, metrics_,
                                                            *cpu_));
  }
  for (size_t j = 0; j < config.jobs.size(); ++j) {
    JobPlan plan;
    plan.spec = &config.jobs[j];
    plan.trace = &traces[j];
    plan.device = config.device_index(plan.spec->device);
    const DeviceSpec& device = config.devices[plan.device];
    plan.host_time_per_op_s = plan.spec->framework_overhead_s + device.launch_latency_s;
    const RooflineCostModel cost(device);
    const double seq = plan.trace->metadata.sequence_length;
    for (const Op& op : plan.trace->ops)
      plan.kernel_duration_s.push_back(
          cost.kernel_duration_s({op.flops.at(seq), (op.bytes_read + op.bytes_written).at(seq), op.precision}));
    plan.batch_size = plan.trace->metadata.batch_size;
    plan.input_bytes = plan.trace->metadata.input_bytes_per_sample * plan.batch_size;
    plans_.push_back(std::move(plan));
  }
}

NodeRuntime::~NodeRuntime() = default;

void NodeRuntime::start() {
  for (auto& engine : engines_)
    if (engine) engine->start();
  const auto host = platform_.hosts[config_.host_index()];
  for (size_t j = 0; j < plans_.size(); ++j)
    s4u::Actor::create(plans_[j].spec->name + "/dispatch", host,
                       [this, j] { dispatch(static_cast<int>(j)); });
}

void NodeRuntime::on_job_warmed_up(int job) {
  metrics_.job_warmed_up(job, s4u::Engine::get_clock());
  if (!metrics_.window_started()) return;
  for (auto* h : platform_.hosts) window_start_energy_j_.push_back(sg_host_get_consumed_energy(h));
}

void NodeRuntime::stop_out_of_memory(std::string message) {
  out_of_memory_ = std::move(message);
  s4u::Actor::kill_all();  // every other actor; the caller returns right after
}

// The job's dispatch thread: the framework's main training loop in eager mode.
void NodeRuntime::dispatch(int job) {
  const JobPlan& plan = plans_[job];
  const auto& spec = *plan.spec;
  const DeviceSpec& device = config_.devices[plan.device];
  DeviceEngine& engine = *engines_[plan.device];
  SimThread& thread = cpu_->add_thread(spec.name + "/dispatch", 0);
  s4u::Host* host = platform_.hosts[config_.host_index()];
  s4u::Host* accelerator = platform_.hosts[plan.device];

  cpu_->start(thread);
  metrics_.job_started(job, spec.name, s4u::Engine::get_clock());
  if (config_.run.warmup_iterations == 0) on_job_warmed_up(job);

  for (int it = 0; it < spec.iterations; ++it) {
    (void)memory_.on_iteration_start(job, it);
    // The input batch: a device buffer, then a host-to-device copy over the link. The thread
    // blocks during the copy (a synchronous cudaMemcpy) and is woken when it completes.
    if (plan.input_bytes > 0) {
      const TensorRequest input{(static_cast<TensorId>(job) << 32) | static_cast<TensorId>(it),
                                plan.input_bytes, "input_batch"};
      const AllocResult alloc = memory_.allocate(plan.device, input, s4u::Engine::get_clock());
      if (!alloc.ok) {
        const auto usage = memory_.usage(plan.device);
        stop_out_of_memory(fmt::format(
            "out of memory on {}: job {}, iteration {}, tensor {} needs {:.0f} bytes; reserved "
            "{:.0f}, allocated {:.0f}, capacity {:.0f}",
            device.name, spec.name, it, input.name, input.size_bytes, usage.reserved_bytes,
            usage.allocated_bytes, device.memory_capacity_bytes));
        return;
      }
      metrics_.memory_request(alloc.device_allocations == 0, input.size_bytes);
      cpu_->compute(thread, alloc.device_allocations * device.malloc_latency_s);
      cpu_->release_core(thread);
      s4u::Comm::sendto(host, accelerator, static_cast<std::uint64_t>(plan.input_bytes));
      cpu_->wake(thread);
      cpu_->wait_for_core(thread);
    }
    for (double kernel_s : plan.kernel_duration_s) {
      cpu_->compute(thread, plan.host_time_per_op_s);
      engine.submit(kernel_s);
    }
    // The end of a training step reads the loss: the host waits for the device.
    engine.synchronize(thread);
    if (plan.input_bytes > 0) {
      const TensorId input_id = (static_cast<TensorId>(job) << 32) | static_cast<TensorId>(it);
      const ReleaseResult released =
          memory_.release(plan.device, input_id, s4u::Engine::get_clock());
      // cudaFree synchronizes the device; the stream is already idle here.
      cpu_->compute(thread, released.device_frees * device.free_latency_s);
    }
    metrics_.iteration_done(job, s4u::Engine::get_clock(), plan.batch_size);
    if (it + 1 == config_.run.warmup_iterations) on_job_warmed_up(job);
  }
  cpu_->release_core(thread);
  metrics_.job_finished(job, s4u::Engine::get_clock());
}

}  // namespace aisim
