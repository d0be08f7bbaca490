// Validated parameters of one device of the node. Plain data: the config reader fills it, the
// cost and power models read it. Every figure's public source is kept beside it in the config.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "models/precision.hpp"

namespace aisim {

enum class DeviceKind { kCpu, kGpu, kTpu, kNpu };

std::string_view to_string(DeviceKind kind);
std::optional<DeviceKind> device_kind_from_string(std::string_view name);

struct DeviceSpec {
  std::string name;  // unique in the config, e.g. "a100"
  DeviceKind kind = DeviceKind::kGpu;
  std::string model;  // marketing name, e.g. "NVIDIA A100 SXM4 80GB"
  int cores = 1;      // CPU cores (host); 1 for accelerators (one compute engine modelled)

  std::map<Precision, double> peak_flops;  // FLOP/s per precision
  double memory_capacity_bytes = 0;
  double memory_bandwidth_bytes_per_s = 0;

  // Roofline efficiency: achievable fraction of peak compute and of peak memory bandwidth.
  // 1.0 is the ideal roofline. `compute_efficiency` applies to every precision without an entry
  // of its own in `compute_efficiency_by_precision`: matmul-class kernels reach a different
  // fraction of peak in each format (tensor-core TF32 vs FP16, layouts), so calibration fits one
  // per precision (scripts/calibrate.py, docs/validation.md).
  double compute_efficiency = 1.0;
  std::map<Precision, double> compute_efficiency_by_precision;
  double memory_efficiency = 1.0;

  double launch_latency_s = 0;   // host CPU time of one kernel launch call (accelerators)
  double kernel_overhead_s = 0;  // fixed device time per kernel: the roofline's launch term
  // Launches that may be pending (queued or running) before a launch call blocks: CUDA blocks
  // cudaLaunchKernel when about 1024 are pending (seen in the Kineto traces, docs/validation.md).
  int launch_queue_depth = 1024;
  double malloc_latency_s = 0;  // one device allocation (cudaMalloc-like)
  double free_latency_s = 0;    // one device free (cudaFree-like, after a device sync)
  double context_switch_s = 0;  // host CPU: cost of switching a thread in
  // Host CPU: the indirect cost of a switch, refilling the caches the thread lost. Paid on top of
  // context_switch_s when a thread switches in on a core where another thread ran since it last
  // ran there (or where it never ran); not when it returns to a core left idle.
  double context_switch_cache_refill_s = 0;

  double idle_power_w = 0;
  double busy_power_w = 0;

  // Peak FLOP/s for ops computing in `precision`; falls back to fp32 when the device lists no
  // figure for that precision, then to the lowest figure it lists. Returns 0 when none is known.
  double peak_flops_for(Precision precision) const;
  // Achievable fraction of peak_flops_for(precision): the precision's own entry, else
  // `compute_efficiency`.
  double compute_efficiency_for(Precision precision) const;
};

}  // namespace aisim
