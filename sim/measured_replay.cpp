#include "sim/measured_replay.hpp"

namespace aisim {

MeasuredReplay measured_replay(const Trace& trace, DeviceKind kind, double default_host_s,
                               std::vector<double>& kernel_duration_s) {
  MeasuredReplay r;
  const std::string kind_name(to_string(kind));
  for (size_t i = 0; i < trace.ops.size(); ++i) {
    const Op& op = trace.ops[i];
    if (const auto d = op.duration_us.find(kind_name); d != op.duration_us.end())
      kernel_duration_s[i] = d->second * 1e-6;
    r.active |= op.host_us.has_value();
    r.host_s.push_back(op.host_us ? *op.host_us * 1e-6 : default_host_s);
    r.host_sync.push_back(op.host_sync);
    r.host_only.push_back(op.kind == OpKind::kCpu);
  }
  return r;
}

void replay_iteration(const MeasuredReplay& replay, const std::vector<double>& kernel_duration_s,
                      HostCpu& cpu, SimThread& thread, DeviceEngine& engine, KernelLabel label) {
  for (size_t i = 0; i < kernel_duration_s.size(); ++i) {
    cpu.compute(thread, replay.host_s[i]);
    label.op = static_cast<int>(i);
    if (!replay.host_only[i]) engine.submit(kernel_duration_s[i], thread, label);
    if (replay.host_sync[i]) engine.synchronize(thread);
  }
}

}  // namespace aisim
