#include "sim/simulation.hpp"

#include <fmt/format.h>
#include <simgrid/plugins/energy.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <simgrid/s4u/Engine.hpp>

#include "models/architecture.hpp"
#include "sim/node_runtime.hpp"
#include "sim/platform.hpp"
#include "sim/timeline.hpp"
#include "workloads/generator.hpp"
#include "workloads/importers.hpp"
#include "workloads/trace_io.hpp"

#ifndef AISIM_VERSION
#define AISIM_VERSION "0.0.0"
#endif

namespace aisim {

std::string_view aisim_version() {
  return AISIM_VERSION;
}

std::vector<Trace> load_workloads(const Config& config) {
  std::vector<Trace> traces;
  DiagnosticSink sink(config.path);
  for (size_t j = 0; j < config.jobs.size(); ++j) {
    const JobSpec& job = config.jobs[j];
    if (!job.model.empty()) {
      // A fixed sequence_length is the trace's length (it used to be ignored: the architecture's
      // default ran instead); a distribution draws per iteration from the default's trace.
      const int fixed_length =
          job.sequence.kind == SequenceLengthSpec::Kind::kFixed ? job.sequence.fixed : 0;
      traces.push_back(generate_training_trace(architecture_by_name(job.model), job.batch_size,
                                               job.precision, fixed_length));
      continue;
    }
    if (!std::filesystem::is_regular_file(job.trace_path)) {
      sink.add("/jobs/" + std::to_string(j) + "/trace", "cannot open trace file " + job.trace_path);
      continue;
    }
    // An aisim trace, or a recorded one (Kineto, ET, Chakra) imported with its measurements.
    ImportOptions options;
    options.step = job.import_step;
    options.batch_size = job.batch_size > 0 ? job.batch_size : 1;
    // A placeable job has no device yet; its imported trace is rejected later (measured host
    // timings belong to one device), so any accelerator's depth does here.
    const int device =
        job.placeable() ? (config.host_index() == 0 ? 1 : 0) : config.device_index(job.device);
    options.launch_queue_depth = config.devices[device].launch_queue_depth;
    Trace trace = import_trace(
        job.trace_path,
        job.import_format.empty() ? std::nullopt : trace_format_from_string(job.import_format),
        options);
    if (job.batch_size != 0 && job.batch_size != trace.metadata.batch_size)
      sink.add("/jobs/" + std::to_string(j) + "/batch_size",
               "expected the batch size of trace " + job.trace_path + " (" +
                   std::to_string(trace.metadata.batch_size) + "), got " +
                   std::to_string(job.batch_size));
    traces.push_back(std::move(trace));
  }
  sink.throw_if_any<ConfigError>();
  return traces;
}

namespace {

Json device_report(const Config& config, int d, const MetricsCollector& metrics, double window_s,
                   double energy_j, const Json& memory_usage) {
  const auto& spec = config.devices[d];
  const auto& busy = metrics.device(d);
  Json j{{"name", spec.name},
         {"kind", to_string(spec.kind)},
         {"model", spec.model},
         {"energy_j", energy_j},
         {"power_w", window_s > 0 ? energy_j / window_s : 0.0}};
  if (spec.kind == DeviceKind::kCpu) return j;
  j["utilization_pct"] = window_s > 0 ? 100.0 * busy.in_window_s() / window_s : 0.0;
  j["busy_time_s"] = busy.in_window_s();
  // Utilization per fixed window, over the buckets that lie entirely inside the measured window.
  Json series = Json::array();
  double lo = 100, hi = 0;
  const double w = busy.bucket_s();
  const double start = metrics.window_start_s(), end = start + window_s;
  if (w > 0 && window_s > 0)  // one allocation for the whole series (no doubling copies)
    series.get_ref<Json::array_t&>().reserve(static_cast<size_t>(window_s / w) + 1);
  for (size_t k = static_cast<size_t>(std::ceil(start / w)); (k + 1) * w <= end + 1e-12; ++k) {
    const double pct = 100.0 * (k < busy.buckets().size() ? busy.buckets()[k] : 0.0) / w;
    series.push_back(pct);
    lo = std::min(lo, pct);
    hi = std::max(hi, pct);
  }
  if (!series.empty()) j["utilization_range_pct"] = {lo, hi};
  // Moved, not copied: a long run's series is the largest part of the report (issue 8's memory).
  Json& out = j["utilization_series"];
  out["window_s"] = w;
  out["start_s"] = std::ceil(start / w) * w;
  out["values_pct"] = std::move(series);
  j["memory"] = memory_usage;
  // Idle time (no kernel executing) by what the feeding job was doing meanwhile.
  const auto& idle = metrics.idle_split(d);
  j["idle_time_s"] = {{"total", window_s - busy.in_window_s()},
                      {"waiting_for_host", idle.host_s()},
                      {"waiting_for_data", idle.data_s()},
                      {"no_work", idle.no_work_s()}};
  return j;
}

}  // namespace

std::vector<std::string> simgrid_engine_args() {
  // CM02 without TCP corrections (PCIe/NVLink are not TCP), raw contexts and full CPU
  // optimisation (fastest, see docs/NOTES.md), picosecond timing precision, quiet logs.
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer cannot follow SimGrid's raw context switches (it reports false
  // stack-use-after-scope errors on actor stacks); OS threads it understands.
  const char* context_factory = "--cfg=contexts/factory:thread";
#else
  const char* context_factory = "--cfg=contexts/factory:raw";
#endif
  return {"aisim",
          "--cfg=network/model:CM02",
          "--cfg=network/crosstraffic:0",
          context_factory,
          "--cfg=cpu/optim:Full",
          "--cfg=surf/precision:1e-12",
          "--log=root.thres:warning"};
}

Json run_simulation(const Config& config, const std::vector<Trace>& traces,
                    const SimulationOptions& options) {
  namespace s4u = simgrid::s4u;
  std::unique_ptr<Timeline> timeline;
  if (!options.timeline_path.empty())
    timeline = std::make_unique<Timeline>(options.timeline_path, config, traces);

  std::vector<std::string> args = simgrid_engine_args();
  for (const auto& c : options.simgrid_cfg) args.push_back("--cfg=" + c);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  sg_host_energy_plugin_init();
  s4u::Engine engine(&argc, argv.data());

  const Platform platform = build_platform(config);
  auto scheduler = SchedulerRegistry::instance().create(config.policies.scheduler);
  scheduler->configure(
      {.starving_queue_depth = static_cast<std::size_t>(config.policies.starving_queue_depth)});
  auto memory = MemoryRegistry::instance().create(config.policies.memory);
  MetricsCollector metrics(static_cast<int>(config.devices.size()),
                           config.devices[config.host_index()].cores, config.run.util_window_s,
                           static_cast<int>(config.jobs.size()));
  metrics.set_window_jobs(static_cast<int>(std::count_if(
      config.jobs.begin(), config.jobs.end(), [](const JobSpec& j) { return !j.cotenant; })));
  NodeRuntime runtime(config, platform, traces, *scheduler, *memory, metrics);
  runtime.set_timeline(timeline.get());
  runtime.start();
  engine.run();
  if (runtime.out_of_memory()) throw OutOfMemoryError(*runtime.out_of_memory());

  const double end_s = s4u::Engine::get_clock();
  runtime.finish();
  metrics.finish(end_s);
  if (timeline) timeline->finish(end_s);
  const double window_start = metrics.window_start_s();
  const double window_s = end_s - window_start;

  Json devices = Json::array();
  double node_energy = 0;
  for (size_t d = 0; d < config.devices.size(); ++d) {
    const double energy =
        sg_host_get_consumed_energy(platform.hosts[d]) - runtime.window_start_energy_j().at(d);
    node_energy += energy;
    const auto usage = memory->usage(static_cast<DeviceId>(d));
    const Json mem{{"peak_allocated_bytes", usage.peak_allocated_bytes},
                   {"peak_reserved_bytes", usage.peak_reserved_bytes},
                   {"fragmentation_at_peak_bytes",
                    usage.peak_reserved_bytes - usage.allocated_at_peak_reserved_bytes}};
    devices.push_back(device_report(config, static_cast<int>(d), metrics, window_s, energy, mem));
  }
  const double node_power = window_s > 0 ? node_energy / window_s : 0;

  Json jobs = Json::array();
  for (size_t j = 0; j < config.jobs.size(); ++j) {
    const JobSpec& spec = config.jobs[j];
    const JobMetrics& m = metrics.job(static_cast<int>(j));
    const int measured = m.iterations_done - config.run.warmup_iterations;
    // A co-tenant stopped with the measured jobs is measured to the end of its last iteration.
    const double job_end_s = m.end_s > 0                 ? m.end_s
                             : m.iteration_end_s.empty() ? m.start_s
                                                         : m.iteration_end_s.back();
    const double measured_s = std::max(0.0, job_end_s - m.window_start_s);
    const double per_iteration = measured > 0 ? measured_s / measured : 0;
    // Host side, as the profiler's ProfilerStep# spans measure a step: from the window start to
    // the end of the last iteration on the dispatch thread (a replayed trace's device work may
    // still be queued then), per profiler step.
    const double host_per_step = measured > 0 && !m.iteration_end_s.empty()
                                     ? (m.iteration_end_s.back() - m.window_start_s) /
                                           (measured * traces[j].metadata.steps_per_iteration)
                                     : 0;
    const int batch = traces[j].metadata.batch_size;
    const auto iterations_per_epoch =
        static_cast<std::int64_t>((spec.dataset_size + batch - 1) / batch);
    const double epoch_s = per_iteration * static_cast<double>(iterations_per_epoch);
    const bool extrapolated = measured < iterations_per_epoch;
    jobs.push_back(
        {{"name", spec.name},
         {"model", traces[j].metadata.model},
         {"device", spec.device},
         {"batch_size", batch},
         {"precision", traces[j].metadata.precision},
         {"ops_per_iteration", traces[j].ops.size()},
         {"steps_per_iteration", traces[j].metadata.steps_per_iteration},
         {"host_time_per_step_s", host_per_step},
         {"iterations_simulated", m.iterations_done},
         {"warmup_iterations", config.run.warmup_iterations},
         {"measured_iterations", measured},
         {"measured_time_s", measured_s},
         {"time_per_iteration_s", per_iteration},
         {"throughput_samples_per_s", measured_s > 0 ? m.samples_in_window / measured_s : 0.0},
         {"iterations_per_epoch", iterations_per_epoch},
         {"training_time_s", epoch_s},
         {"training_time_method",
          extrapolated
              ? fmt::format("extrapolated: {} measured iterations x {} iterations per epoch "
                            "(dataset_size {} / batch {}, last partial batch counted as full){}",
                            measured, iterations_per_epoch, spec.dataset_size, batch,
                            config.run.steady_state_iterations > 0
                                ? fmt::format("; steady-state mode (run.steady_state_iterations "
                                              "{})",
                                              config.run.steady_state_iterations)
                                : std::string())
              : std::string("simulated: the measured iterations cover a full epoch")},
         {"energy_j_per_epoch", node_power * epoch_s}});
    // Durations of the measured iterations (end to end of consecutive iterations).
    {
      double lo = 0, hi = 0;
      for (size_t k = static_cast<size_t>(config.run.warmup_iterations);
           k < m.iteration_end_s.size(); ++k) {
        const double d = m.iteration_end_s[k] - (k == 0 ? m.start_s : m.iteration_end_s[k - 1]);
        lo = (lo == 0 || d < lo) ? d : lo;
        hi = std::max(hi, d);
      }
      jobs.back()["iteration_time_s"] = {{"mean", per_iteration}, {"min", lo}, {"max", hi}};
    }
    if (spec.placeable()) {
      // Where the placement put the ops (whole run) and the copies between devices it caused.
      Json per_device = Json::object();
      for (size_t d = 0; d < m.ops_per_device.size(); ++d)
        if (m.ops_per_device[d] > 0) per_device[config.devices[d].name] = m.ops_per_device[d];
      jobs.back()["placement"] = {
          {"policy",
           config.policies.placement == "heft" ? std::string("heft") : config.policies.scheduler},
          {"ops_per_device", per_device},
          {"cross_device_copies", m.cross_device_copies},
          {"cross_device_copy_bytes", m.cross_device_copy_bytes}};
    }
    if (!m.sequence_lengths.empty()) {
      const auto [lo, hi] =
          std::minmax_element(m.sequence_lengths.begin(), m.sequence_lengths.end());
      double sum = 0;
      for (double l : m.sequence_lengths) sum += l;
      jobs.back()["sequence_length"] = {
          {"mean", sum / static_cast<double>(m.sequence_lengths.size())},
          {"min", *lo},
          {"max", *hi}};
    }
  }

  double cpu_busy = 0;
  for (int c = 0; c < metrics.core_count(); ++c) cpu_busy += metrics.core(c).in_window_s();
  const auto latency = summarize_latencies(metrics.switch_latencies_s());
  Json threads = Json::array();
  for (const ThreadMetrics& t : metrics.threads()) {
    const auto wake = summarize_latencies(t.wakeup_latency_s);
    threads.push_back({{"name", t.name},
                       {"run_time_s", t.run_s},
                       {"wait_time_s", t.wait_s},
                       {"switches", t.switches},
                       {"involuntary_preemptions", t.involuntary_preemptions},
                       {"wakeup_latency_us",
                        {{"mean", wake.mean_us},
                         {"p50", wake.p50_us},
                         {"p99", wake.p99_us},
                         {"max", wake.max_us},
                         {"count", wake.count}}}});
  }
  const auto pct = [](double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; };
  const Json host{{"cores", metrics.core_count()},
                  {"cpu_utilization_pct", pct(cpu_busy, metrics.core_count() * window_s)},
                  {"context_switch_latency_us",
                   {{"mean", latency.mean_us},
                    {"p50", latency.p50_us},
                    {"p99", latency.p99_us},
                    {"max", latency.max_us},
                    {"count", latency.count}}},
                  {"wakeups", latency.count},
                  {"context_switches", metrics.switches_in_window()},
                  {"context_switches_whole_run", metrics.switches_total()},
                  {"involuntary_preemptions", metrics.involuntary_preemptions()},
                  {"threads", threads}};
  const Json memory_report{
      {"memory_reuse_pct", pct(static_cast<double>(metrics.memory_requests_reused()),
                               static_cast<double>(metrics.memory_requests()))},
      {"memory_reuse_bytes_pct", pct(metrics.memory_bytes_reused(), metrics.memory_bytes())},
      {"memory_reuse_whole_run_pct", pct(static_cast<double>(metrics.memory_requests_reused_all()),
                                         static_cast<double>(metrics.memory_requests_all()))},
      {"memory_reuse_bytes_whole_run_pct",
       pct(metrics.memory_bytes_reused_all(), metrics.memory_bytes_all())},
      {"allocation_requests", metrics.memory_requests()},
      {"device_allocations", metrics.device_memory_ops().allocations},
      {"device_allocation_time_s", metrics.device_memory_ops().allocation_time_s},
      {"device_frees", metrics.device_memory_ops().frees},
      {"device_free_time_s", metrics.device_memory_ops().free_time_s},
      {"device_allocations_whole_run", metrics.device_memory_ops_all().allocations},
      {"device_frees_whole_run", metrics.device_memory_ops_all().frees},
      {"stalled_on_memory_s", metrics.memory_stall_s()},
      {"stalled_on_copies_s", metrics.copy_stall_s()},
      {"prefetches_used", metrics.prefetches_used()},
      {"prefetch_hit_rate_pct", pct(static_cast<double>(metrics.prefetch_hits()),
                                    static_cast<double>(metrics.prefetches_used()))}};

  Json report{
      {"schema_version", kReportSchemaVersion},
      {"aisim_version", aisim_version()},
      {"seed", config.run.seed},
      {"config", config.resolved()},
      {"simulation",
       {{"simulated_time_s", end_s},
        {"window", {{"start_s", window_start}, {"end_s", end_s}, {"duration_s", window_s}}}}},
      {"jobs", nullptr},
      {"devices", nullptr},
      {"host", host},
      {"memory", memory_report},
      {"node", {{"power_w", node_power}, {"energy_j", node_energy}}}};
  // Moved in, not copied by the initializer list: the devices carry the utilization series,
  // the largest part of a long run's report (issue 8's memory target).
  report["jobs"] = std::move(jobs);
  report["devices"] = std::move(devices);
  if (timeline) report["simulation"]["timeline"] = options.timeline_path;
  return report;
}

}  // namespace aisim
