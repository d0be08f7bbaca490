#include "sim/node_runtime.hpp"

#include <fmt/format.h>
#include <simgrid/plugins/energy.h>

#include <algorithm>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <unordered_map>

#include "models/roofline_cost_model.hpp"
#include "sim/background_load.hpp"
#include "sim/invariants.hpp"
#include "sim/measured_replay.hpp"

namespace aisim {
namespace s4u = simgrid::s4u;

// Everything about a job that does not change between iterations, computed once.
struct NodeRuntime::JobPlan {
  const JobSpec* spec = nullptr;
  const Trace* trace = nullptr;
  DeviceId device = kNone;
  double host_time_per_op_s = 0;          // framework dispatch + launch call
  std::vector<double> kernel_duration_s;  // per op, from the device's cost model
  // One batch, host to device: the trace's input-role tensor when it has one (that tensor is then
  // the input batch, allocated and copied at each iteration start), else input_bytes_per_sample.
  SeqPoly input_bytes;
  // Imported traces carry measured timings (Trace::Op): per op, host time before the launch,
  // whether the host then waits for the device, and ops that are host work only (kind cpu).
  // Such a trace brings its own synchronisations: no implicit one at the end of an iteration.
  MeasuredReplay replay;
  // Its eager ops may run in chunks (NodeRuntime::run_chunk): it is a measured job, no other job
  // launches on or allocates from its device, none is placeable, it replays no measured trace.
  bool may_chunk = false;
  // Sizes depend on the sequence length and a length is drawn per iteration: durations and
  // tensor sizes are then recomputed at each iteration's length.
  bool per_iteration_lengths = false;
  std::optional<SequenceLengthSampler> sampler;
  std::optional<RooflineCostModel> cost;
  std::unordered_map<TensorId, SeqPoly> tensor_bytes;  // by request id

  void compute_durations(double seq) {
    kernel_duration_s.clear();
    for (const Op& op : trace->ops)
      kernel_duration_s.push_back(cost->kernel_duration_s(
          {op.flops.at(seq), (op.bytes_read + op.bytes_written).at(seq), op.precision}));
  }
  void resize_tensors(double seq) {
    for (auto& t : at_iteration_start) t.size_bytes = tensor_bytes.at(t.id).at(seq);
    for (auto& op : allocate_before_op)
      for (auto& t : op) t.size_bytes = tensor_bytes.at(t.id).at(seq);
  }
  int batch_size = 0;
  // Tensor lifetimes (trace tensors), computed once: persistent tensors live for the whole job;
  // input-role tensors from the iteration start, the others from before their producer, each
  // until after its last consumer (the last op listing it in inputs; its producer if none).
  std::vector<TensorRequest> persistent;
  std::vector<TensorRequest> at_iteration_start;
  std::vector<std::vector<TensorRequest>> allocate_before_op;
  std::vector<std::vector<TensorId>> release_after_op;
  // "device": "auto": the ops' per-device costs and placement state; `device` is then the job's
  // home device (its memory, input batch and dispatch thread's device), chosen at job start.
  std::optional<PlacedJob> placed;
};

namespace {

TensorId input_batch_id(int job, int iteration) {
  return (static_cast<TensorId>(job) << 32) | static_cast<TensorId>(iteration);
}
// Trace tensors get ids of their own, apart from the input batches (bit 31 set).
TensorId trace_tensor_id(int job, TensorId id) {
  return (static_cast<TensorId>(job) << 32) | (TensorId{1} << 31) | (id & 0x7fffffffu);
}

void plan_tensor_lifetimes(const Trace& trace, int job, double seq, NodeRuntime::JobPlan& plan);

}  // namespace

namespace {

void plan_tensor_lifetimes(const Trace& trace, int job, double seq, NodeRuntime::JobPlan& plan) {
  const std::size_t n = trace.ops.size();
  plan.allocate_before_op.assign(n, {});
  plan.release_after_op.assign(n, {});
  std::unordered_map<TensorId, std::size_t> producer, last_use;
  for (std::size_t i = 0; i < n; ++i) {
    for (TensorId t : trace.ops[i].outputs)
      if (!producer.count(t)) producer[t] = i;
    for (TensorId t : trace.ops[i].inputs) last_use[t] = i;
  }
  for (const Tensor& t : trace.tensors) {
    // The input-role tensor is the input batch: allocated and copied by the input path.
    if (t.role == TensorRole::kInput) continue;
    const TensorRequest request{.id = trace_tensor_id(job, t.id),
                                .size_bytes = t.bytes.at(seq),
                                .name = t.name,
                                .job = job};
    plan.tensor_bytes.emplace(request.id, t.bytes);
    if (t.persistent()) {
      plan.persistent.push_back(request);
      continue;
    }
    const auto made = producer.find(t.id);
    const auto used = last_use.find(t.id);
    if (made == producer.end()) {
      if (used == last_use.end()) continue;  // neither made nor read: never on the device
      plan.at_iteration_start.push_back(request);
    } else {
      plan.allocate_before_op[made->second].push_back(request);
    }
    std::size_t last = made != producer.end() ? made->second : 0;
    if (used != last_use.end()) last = std::max(last, used->second);
    plan.release_after_op[last].push_back(request.id);
  }
}

// A placeable job's per-op costs and edges, its static HEFT schedule (placement "heft"), and its
// home device: where its memory and input batch live, the device the scheduler policy's
// select_device gives the whole step (all ops' durations summed, the input batch to copy).
void plan_placement(const Config& config, std::size_t job, const Trace& trace,
                    SchedulerPolicy& scheduler, const NodeState& node, const LinkRoutes& routes,
                    NodeRuntime::JobPlan& plan) {
  PlacedJob placed;
  const double seq = trace.metadata.sequence_length;
  placed.duration_s = op_durations_per_device(trace, config.devices, seq);
  placed.in_edges = op_in_edges(trace, seq);
  PlaceableWork step;
  step.duration_s.assign(config.devices.size(), 0);
  for (const auto& op : placed.duration_s)
    for (std::size_t d = 0; d < op.size(); ++d)
      step.duration_s[d] = op[d] < 0 || step.duration_s[d] < 0 ? -1 : step.duration_s[d] + op[d];
  step.input_bytes = trace.metadata.input_bytes_per_sample * trace.metadata.batch_size;
  for (std::size_t i = 0; i < placed.duration_s.size(); ++i)
    if (std::none_of(placed.duration_s[i].begin(), placed.duration_s[i].end(),
                     [](double t) { return t >= 0; }))
      throw ConfigError({{config.path, "/jobs/" + std::to_string(job) + "/device",
                          "\"auto\": no device can run op " + trace.ops[i].name + " (precision " +
                              std::string(to_string(trace.ops[i].precision)) + ")"}});
  DeviceId home = scheduler.select_device(step, node);
  if (home == kNone || step.duration_s[home] < 0) home = first_capable_device(step);
  if (home == kNone) {  // no device runs every op: the first accelerator that runs any
    for (std::size_t d = 0; d < config.devices.size() && home == kNone; ++d)
      for (const auto& op : placed.duration_s)
        if (op[d] >= 0) {
          home = static_cast<DeviceId>(d);
          break;
        }
  }
  plan.device = home;
  placed.home = home;
  if (config.policies.placement == "heft") {
    const StaticPlacement s = heft_placement(placed.duration_s, placed.in_edges, routes);
    placed.static_device = s.device;
    placed.heft_makespan_s = s.makespan_s;
  }
  placed.ran_on.assign(trace.ops.size(), kNone);
  plan.placed = std::move(placed);
}

}  // namespace

NodeRuntime::NodeRuntime(const Config& config, const Platform& platform,
                         const std::vector<Trace>& traces, SchedulerPolicy& scheduler,
                         MemoryPolicy& memory, MetricsCollector& metrics)
    : config_(config),
      platform_(platform),
      scheduler_(scheduler),
      memory_(memory),
      metrics_(metrics),
      routes_(config) {
  const int host = config.host_index();
  cpu_ = std::make_unique<HostCpu>(config.devices[host], scheduler_, node_, metrics_);
  std::vector<double> capacities;
  for (const auto& d : config.devices) {
    node_.devices.push_back({d.name, 0, d.memory_capacity_bytes, 0, d.launch_latency_s, 0});
    capacities.push_back(d.memory_capacity_bytes);
  }
  memory_.configure(capacities);
  for (size_t i = 0; i < config.devices.size(); ++i) {
    engines_.push_back(static_cast<int>(i) == host
                           ? nullptr
                           : std::make_unique<DeviceEngine>(
                                 static_cast<DeviceId>(i), platform.hosts[i], node_, metrics_,
                                 *cpu_, config.devices[i].launch_queue_depth));
    copy_engines_.push_back(
        static_cast<int>(i) == host
            ? nullptr
            : std::make_unique<CopyEngine>(platform.hosts[host], platform.hosts[i], *cpu_));
  }
  // Device queues are kept lazily (a run of kernels is one activity): policies see them fresh.
  node_.refresh = [this](double now_s) {
    for (auto& engine : engines_)
      if (engine) engine->refresh_view(now_s);
  };
  // What device selection sees of each accelerator's host link.
  const auto& host_name = config.devices[host].name;
  for (const auto& l : config.links) {
    const bool a = l.endpoint_a == host_name, b = l.endpoint_b == host_name;
    if (!a && !b) continue;
    const int other = config.device_index(a ? l.endpoint_b : l.endpoint_a);
    if (other >= 0) node_.devices[other].host_link_bandwidth_bytes_per_s = l.bandwidth_bytes_per_s;
  }
  for (size_t j = 0; j < config.jobs.size(); ++j) {
    JobPlan plan;
    plan.spec = &config.jobs[j];
    plan.trace = &traces[j];
    if (plan.spec->placeable()) {
      plan_placement(config, j, traces[j], scheduler_, node_, routes_, plan);
    } else {
      plan.device = config.device_index(plan.spec->device);
    }
    const DeviceSpec& device = config.devices[plan.device];
    plan.host_time_per_op_s = plan.spec->framework_overhead_s + device.launch_latency_s;
    plan.cost.emplace(device);
    const double seq = plan.trace->metadata.sequence_length;
    plan.batch_size = plan.trace->metadata.batch_size;
    plan.input_bytes = plan.trace->metadata.input_bytes_per_sample * plan.batch_size;
    for (const Tensor& t : plan.trace->tensors)
      if (t.role == TensorRole::kInput) plan.input_bytes = t.bytes;
    const auto& lengths = plan.spec->sequence;
    if (plan.trace->symbolic() && lengths.kind != SequenceLengthSpec::Kind::kFixed) {
      plan.per_iteration_lengths = true;
      // One stream of lengths per job, from the run's seed and the job's index.
      plan.sampler.emplace(lengths, config.run.seed * 0x9E3779B97F4A7C15ULL + j);
    }
    plan.compute_durations(seq);
    plan.replay =
        measured_replay(*plan.trace, device.kind, plan.host_time_per_op_s, plan.kernel_duration_s);
    if (plan.placed && plan.replay.active)
      throw ConfigError({{config.path, "/jobs/" + std::to_string(j) + "/device",
                          "\"auto\" places ops of traces without measured host timings; trace " +
                              plan.spec->trace_path + " carries host_us (give a device)"}});
    plan_tensor_lifetimes(*plan.trace, static_cast<int>(j), seq, plan);
    plans_.push_back(std::move(plan));
  }
  bool any_placeable = false;
  for (const JobPlan& p : plans_) any_placeable = any_placeable || p.placed;
  for (JobPlan& p : plans_) {
    // A co-tenant is stopped wherever it is when the measured jobs end: a chunk of it would have
    // decided allocations (counted, and in the allocator's peaks) that per-op dispatch never
    // reaches. A measured job runs to its end, so its chunks always complete.
    p.may_chunk = !any_placeable && !p.replay.active && !p.spec->cotenant;
    for (const JobPlan& other : plans_)
      if (&other != &p && other.device == p.device) p.may_chunk = false;
  }
}

NodeRuntime::~NodeRuntime() = default;

void NodeRuntime::set_timeline(Timeline* timeline) {
  timeline_ = timeline;
  if (timeline)
    timeline->set_energy_reader(
        [this](int device) { return sg_host_get_consumed_energy(platform_.hosts[device]); });
  cpu_->set_timeline(timeline);
  for (std::size_t d = 0; d < engines_.size(); ++d) {
    if (engines_[d]) engines_[d]->set_timeline(timeline);
    if (copy_engines_[d]) copy_engines_[d]->set_timeline(timeline, static_cast<int>(d));
  }
}

void NodeRuntime::memory_changed(DeviceId device) {
  const DeviceMemoryUsage usage = memory_.current_usage(device);
  timeline_->device_memory(device, s4u::Engine::get_clock(), usage.reserved_bytes,
                           usage.allocated_bytes);
}

void NodeRuntime::start() {
  for (auto& engine : engines_)
    if (engine) engine->start();
  for (auto& engine : copy_engines_)
    if (engine) engine->start();
  const auto host = platform_.hosts[config_.host_index()];
  // Host threads besides the dispatch threads: data-loader workers, other tenants, balancing.
  for (const JobPlan& plan : plans_) {
    const DataLoaderSpec& dl = plan.spec->data_loader;
    loaders_.push_back(dl.workers == 0 ? nullptr
                                       : std::make_unique<DataLoader>(
                                             *cpu_, dl, plan.spec->name, plan.spec->iterations,
                                             plan.batch_size, plan.device));
    if (loaders_.back()) loaders_.back()->start(host);
    const OptimizerSpec& opt = plan.spec->optimizer;
    optimizers_.push_back(
        opt.cpu_time_per_iteration_s <= 0
            ? nullptr
            : std::make_unique<OptimizerThread>(*cpu_, plan.spec->name + "/optimizer", opt.nice,
                                                plan.device, opt.cpu_time_per_iteration_s));
    if (optimizers_.back()) optimizers_.back()->start(host);
  }
  start_background_load(*cpu_, host, config_.background_load);
  cpu_->start_balancer(host);
  for (size_t j = 0; j < plans_.size(); ++j) {
    auto actor = s4u::Actor::create(plans_[j].spec->name + "/dispatch", host,
                                    [this, j] { dispatch(static_cast<int>(j)); });
    // A co-tenant keeps the node busy while the measured jobs run and stops with them: SimGrid
    // ends the simulation when only daemon actors are left.
    if (plans_[j].spec->cotenant) actor->daemonize();
  }
}

void NodeRuntime::on_job_warmed_up(int job) {
  const bool was_started = metrics_.window_started();
  metrics_.job_warmed_up(job, s4u::Engine::get_clock(), !plans_[job].spec->cotenant);
  if (was_started || !metrics_.window_started()) return;
  if (timeline_) timeline_->window_started(s4u::Engine::get_clock());
  for (auto* h : platform_.hosts) window_start_energy_j_.push_back(sg_host_get_consumed_energy(h));
}

void NodeRuntime::stop_out_of_memory(std::string message) {
  out_of_memory_ = std::move(message);
  s4u::Actor::kill_all();  // every other actor; the caller returns right after
}

void NodeRuntime::charge_device_frees(int job, SimThread& thread, int frees) {
  if (frees <= 0) return;
  const JobPlan& plan = plans_[job];
  // cudaFree synchronizes the device first: the thread waits for every queued kernel.
  const double start = s4u::Engine::get_clock();
  engines_[plan.device]->synchronize(thread);
  cpu_->compute(thread, frees * config_.devices[plan.device].free_latency_s);
  const double spent = s4u::Engine::get_clock() - start;
  metrics_.device_frees(frees, spent);
  metrics_.memory_stall(spent);
}

bool NodeRuntime::allocate(int job, int iteration, SimThread& thread, const TensorRequest& tensor,
                           const std::string& op) {
  const JobPlan& plan = plans_[job];
  const AllocResult alloc = memory_.allocate(plan.device, tensor, s4u::Engine::get_clock());
  if (timeline_) memory_changed(plan.device);
  return settle_allocation(job, iteration, thread, tensor, op, alloc);
}

bool NodeRuntime::settle_allocation(int job, int iteration, SimThread& thread,
                                    const TensorRequest& tensor, const std::string& op,
                                    const AllocResult& alloc) {
  const JobPlan& plan = plans_[job];
  const DeviceSpec& device = config_.devices[plan.device];
  charge_device_frees(job, thread, alloc.device_frees);  // a policy emptying its cache
  if (!alloc.ok) {
    const auto usage = memory_.usage(plan.device);
    stop_out_of_memory(fmt::format(
        "out of memory on {}: job {}, iteration {}, tensor {} needs {:.0f} bytes, before op {}; "
        "reserved {:.0f}, allocated {:.0f}, largest free block {:.0f}, capacity {:.0f} (policy {})",
        device.name, plan.spec->name, iteration, tensor.name, tensor.size_bytes, op,
        usage.reserved_bytes, usage.allocated_bytes, usage.largest_free_block_bytes,
        device.memory_capacity_bytes, config_.policies.memory));
    return false;
  }
  metrics_.memory_request(alloc.device_allocations == 0, tensor.size_bytes);
  if constexpr (kCheckInvariants) live_bytes_[job][tensor.id] = tensor.size_bytes;
  if (alloc.device_allocations > 0) {
    const double time_s = alloc.device_allocations * device.malloc_latency_s;
    cpu_->compute(thread, time_s);
    metrics_.device_allocations(alloc.device_allocations, time_s);
    metrics_.memory_stall(time_s);
  }
  return true;
}

ReleaseResult NodeRuntime::release_now(int job, TensorId tensor) {
  if constexpr (kCheckInvariants)
    check_invariant(live_bytes_[job].erase(tensor) == 1,
                    "job %d releases tensor %llu, which it does not hold", job,
                    static_cast<unsigned long long>(tensor));
  const ReleaseResult r = memory_.release(plans_[job].device, tensor, s4u::Engine::get_clock());
  if (timeline_) memory_changed(plans_[job].device);
  return r;
}

void NodeRuntime::release(int job, SimThread& thread, TensorId tensor) {
  charge_device_frees(job, thread, release_now(job, tensor).device_frees);
}

bool NodeRuntime::dispatch_op(int job, int iteration, SimThread& thread, std::size_t op, double seq,
                              std::size_t from_tensor, const AllocResult* decided) {
  JobPlan& plan = plans_[job];
  const auto& allocations = plan.allocate_before_op[op];
  const std::string& name = plan.trace->ops[op].name;
  for (std::size_t a = from_tensor; a < allocations.size(); ++a) {
    const bool ok = decided != nullptr && a == from_tensor
                        ? settle_allocation(job, iteration, thread, allocations[a], name, *decided)
                        : allocate(job, iteration, thread, allocations[a], name);
    if (!ok) return false;
  }
  cpu_->compute(thread, plan.host_time_per_op_s);
  // Blocks while the device's launch queue is full (launch_queue_depth), as CUDA's launches do.
  engines_[plan.device]->submit(plan.kernel_duration_s[op], thread,
                                {job, static_cast<int>(op), iteration, static_cast<float>(seq)});
  for (TensorId t : plan.release_after_op[op]) release(job, thread, t);
  return true;
}

std::size_t NodeRuntime::run_chunk(int job, int iteration, SimThread& thread, std::size_t first,
                                   double seq, bool& ok) {
  JobPlan& plan = plans_[job];
  DeviceEngine& engine = *engines_[plan.device];
  const std::size_t ops = plan.kernel_duration_s.size();
  // Ops first..end-1 are decided now, in order, and cost one burst; an allocation that costs
  // host time or fails (before op `end`) is settled after the burst, where it happens.
  struct Blocked {
    std::size_t tensor;
    AllocResult result;
  };
  std::optional<Blocked> blocked;
  int frees_after = 0;  // device frees of the releases after op end-1: charged after the burst
  double burst_s = 0;
  std::size_t end = first;
  // No launch of the chunk may find the launch queue full: the queue only drains while the
  // chunk runs, so launches up to the slots free now cannot block.
  const std::size_t slots = engine.free_launch_slots();
  engine.begin_chunk(thread);
  for (; end < ops && end - first < slots && !blocked && frees_after == 0; ++end) {
    const auto& allocations = plan.allocate_before_op[end];
    for (std::size_t a = 0; a < allocations.size(); ++a) {
      const AllocResult r = memory_.allocate(plan.device, allocations[a], s4u::Engine::get_clock());
      if (r.ok && r.device_allocations == 0 && r.device_frees == 0) {
        metrics_.memory_request(true, allocations[a].size_bytes);
        if constexpr (kCheckInvariants)
          live_bytes_[job][allocations[a].id] = allocations[a].size_bytes;
        continue;
      }
      blocked = Blocked{a, r};
      break;
    }
    if (blocked) break;
    burst_s += plan.host_time_per_op_s;
    engine.submit_in_chunk(plan.kernel_duration_s[end], burst_s,
                           {job, static_cast<int>(end), iteration, static_cast<float>(seq)});
    for (TensorId t : plan.release_after_op[end]) frees_after += release_now(job, t).device_frees;
  }
  if (burst_s > 0) cpu_->compute(thread, burst_s);
  engine.end_chunk();
  charge_device_frees(job, thread, frees_after);
  ok = true;
  // Op `end` goes on one op at a time when an allocation could not be decided without simulated
  // time, or when the launch queue was full when the chunk started (its launch may block).
  if (end == ops || (!blocked && end > first)) return end;
  ok = blocked ? dispatch_op(job, iteration, thread, end, seq, blocked->tensor, &blocked->result)
               : dispatch_op(job, iteration, thread, end, seq);
  return end + 1;
}

// The job's dispatch thread: the framework's main training loop in eager mode.
void NodeRuntime::dispatch(int job) {
  JobPlan& plan = plans_[job];
  const auto& spec = *plan.spec;
  const DeviceSpec& device = config_.devices[plan.device];
  DeviceEngine& engine = *engines_[plan.device];
  SimThread& thread = cpu_->add_thread(spec.name + "/dispatch", 0, plan.device);
  DataLoader* loader = loaders_[job].get();
  OptimizerThread* optimizer = optimizers_[job].get();
  s4u::Host* host = platform_.hosts[config_.host_index()];
  s4u::Host* accelerator = platform_.hosts[plan.device];

  metrics_.feeder_state(plan.device, FeederState::kHost, s4u::Engine::get_clock());
  cpu_->start(thread);
  metrics_.job_started(job, spec.name, s4u::Engine::get_clock());
  if (config_.run.warmup_iterations == 0) on_job_warmed_up(job);

  for (const auto& t : plan.persistent)
    if (!allocate(job, -1, thread, t, "(job start)")) return;

  CopyEngine& copier = *copy_engines_[plan.device];
  bool prefetched = false;  // this iteration's batch was copied ahead, as ticket prefetch_ticket
  std::uint64_t prefetch_ticket = 0;
  // Lengths are drawn one iteration ahead: a prefetch copies the next batch at its own length.
  const auto draw_length = [&]() -> double {
    return plan.per_iteration_lengths ? plan.sampler->next() : plan.trace->metadata.sequence_length;
  };
  double next_seq = draw_length();
  for (int it = 0; it < spec.iterations; ++it) {
    const double iteration_start_s = s4u::Engine::get_clock();
    const double seq = next_seq;
    if (it + 1 < spec.iterations) next_seq = draw_length();
    if (plan.per_iteration_lengths) {
      plan.compute_durations(seq);
      plan.resize_tensors(seq);
    }
    const double input_bytes = plan.input_bytes.at(seq);
    if (loader) {  // the next input batch from the data-loader workers
      metrics_.feeder_state(plan.device, FeederState::kData, s4u::Engine::get_clock());
      loader->take_batch(thread);
      metrics_.feeder_state(plan.device, FeederState::kHost, s4u::Engine::get_clock());
    }
    const AllocResult planned = memory_.on_iteration_start(job, it);
    if (timeline_) memory_changed(plan.device);
    if (planned.device_allocations > 0) {
      const double time_s = planned.device_allocations * device.malloc_latency_s;
      cpu_->compute(thread, time_s);
      metrics_.device_allocations(planned.device_allocations, time_s);
      metrics_.memory_stall(time_s);
    }
    charge_device_frees(job, thread, planned.device_frees);
    if (input_bytes > 0) {
      metrics_.feeder_state(plan.device, FeederState::kData, s4u::Engine::get_clock());
      if (prefetched) {
        // Issued during the previous step on the copy engine: a hit if it is already there.
        metrics_.prefetch_used(copier.done(prefetch_ticket));
        const double start = s4u::Engine::get_clock();
        copier.wait(thread, prefetch_ticket);
        metrics_.copy_stall(s4u::Engine::get_clock() - start);
        prefetched = false;
      } else {
        // The input batch: a device buffer, then a host-to-device copy over the link. The
        // thread blocks during the copy (a synchronous cudaMemcpy) and is woken when it ends.
        const TensorRequest input{input_batch_id(job, it), input_bytes, "input_batch", job};
        if (!allocate(job, it, thread, input, "(iteration start)")) return;
        const double start = s4u::Engine::get_clock();
        cpu_->release_core(thread);
        const double copy_start_s = s4u::Engine::get_clock();
        s4u::Comm::sendto(host, accelerator, static_cast<std::uint64_t>(input_bytes));
        if (timeline_)
          timeline_->input_copy(job, input_bytes, copy_start_s, s4u::Engine::get_clock());
        cpu_->wake(thread);
        cpu_->wait_for_core(thread);
        metrics_.copy_stall(s4u::Engine::get_clock() - start);
      }
      metrics_.feeder_state(plan.device, FeederState::kHost, s4u::Engine::get_clock());
      // The policy may copy the next batch ahead, overlapping this step.
      if (it + 1 < spec.iterations) {
        const double next_bytes = plan.input_bytes.at(next_seq);
        const TensorRequest next{input_batch_id(job, it + 1), next_bytes, "input_batch", job};
        if (!memory_.plan_prefetch(job, it + 1, {next}).empty()) {
          if (!allocate(job, it + 1, thread, next, "(prefetch)")) return;
          prefetch_ticket = copier.enqueue(next_bytes);
          prefetched = true;
        }
      }
    }
    for (const auto& t : plan.at_iteration_start)
      if (!allocate(job, it, thread, t, "(iteration start)")) return;
    // The previous step's parameters must be updated before this step's first launch. (The last
    // step's update is not waited for: nothing simulated reads it, and so the measured window
    // holds one update per measured iteration.)
    if (optimizer) optimizer->wait_updated(thread);
    if (plan.replay.active) {
      // Imported traces replay their measured host and device timings; their tensors, if any,
      // are allocated at the iteration start and released at its end.
      for (std::size_t i = 0; i < plan.allocate_before_op.size(); ++i)
        for (const auto& t : plan.allocate_before_op[i])
          if (!allocate(job, it, thread, t, plan.trace->ops[i].name)) return;
      replay_iteration(plan.replay, plan.kernel_duration_s, *cpu_, thread, engine,
                       {job, -1, it, static_cast<float>(seq)});
      for (const auto& ops : plan.release_after_op)
        for (TensorId t : ops) release(job, thread, t);
    } else if (plan.placed) {
      if (!run_placed_ops(job, it, thread, *plan.placed, *plan.trace, plan.allocate_before_op,
                          plan.release_after_op))
        return;
    } else {
      // Graph mode (xla): the step is one compiled program; the host pays the framework's
      // dispatch and one launch call once per iteration, and the device runs the ops in order.
      const bool graph = spec.graph_mode();
      // Eager ops run in chunks (one burst for many ops, each launch at its own instant in it;
      // run_chunk) when nothing else can see the job's device memory change early: the job is
      // its device's only user, the measured window is open, no timeline records the counters.
      const bool chunked = !graph && plan.may_chunk && config_.run.chunked_dispatch && !timeline_ &&
                           metrics_.window_started();
      if (graph) {
        // One launch for the program: it never waits for a launch-queue slot.
        cpu_->compute(thread, plan.host_time_per_op_s);
        for (std::size_t i = 0; i < plan.kernel_duration_s.size(); ++i) {
          for (const auto& t : plan.allocate_before_op[i])
            if (!allocate(job, it, thread, t, plan.trace->ops[i].name)) return;
          engine.submit(plan.kernel_duration_s[i],
                        {job, static_cast<int>(i), it, static_cast<float>(seq)});
          for (TensorId t : plan.release_after_op[i]) release(job, thread, t);
        }
      } else {
        for (std::size_t i = 0; i < plan.kernel_duration_s.size();) {
          bool ok = true;
          if (chunked) {
            i = run_chunk(job, it, thread, i, seq, ok);
          } else {
            ok = dispatch_op(job, it, thread, i, seq);
            ++i;
          }
          if (!ok) return;
        }
      }
      // The end of a training step reads the loss: the host waits for the device.
      engine.synchronize(thread, spec.sync_spin);
      check_invariant(engine.completed_kernels() == engine.submitted_kernels(),
                      "device %s: %llu kernels submitted, %llu completed after a step's sync",
                      device.name.c_str(),
                      static_cast<unsigned long long>(engine.submitted_kernels()),
                      static_cast<unsigned long long>(engine.completed_kernels()));
    }
    if (input_bytes > 0) release(job, thread, input_batch_id(job, it));
    if (optimizer) optimizer->step_ready();  // the step's gradients are on hand
    metrics_.iteration_done(job, s4u::Engine::get_clock(), plan.batch_size, seq);
    if (timeline_) timeline_->iteration(job, it, iteration_start_s, s4u::Engine::get_clock());
    if (it + 1 == config_.run.warmup_iterations) on_job_warmed_up(job);
  }
  if (plan.replay.active) engine.synchronize(thread);  // the last step's device work
  for (const auto& t : plan.persistent) release(job, thread, t.id);
  if constexpr (kCheckInvariants)
    check_invariant(live_bytes_[job].empty(), "job %s ends holding %zu device allocations",
                    spec.name.c_str(), live_bytes_[job].size());
  cpu_->release_core(thread);
  metrics_.feeder_state(plan.device, FeederState::kNoWork, s4u::Engine::get_clock());
  metrics_.job_finished(job, s4u::Engine::get_clock());
}

}  // namespace aisim
