// Timeline: one simulation as a Chrome trace-event JSON file (`aisim --timeline FILE`), which
// opens in Perfetto (ui.perfetto.dev) and chrome://tracing. Events are written to the file as
// the simulation reports them, through a small buffer, so memory does not grow with the run's
// length; a name ending in ".gz" is gzip-compressed on the way. docs/timeline.md describes the
// tracks. The runtime holds a Timeline pointer that is null when no timeline was asked for:
// every hook is one `if (timeline_)` away from costing nothing.
//
// Time: simulated seconds in, integer nanoseconds out (written as microseconds with three
// decimals). Perfetto rounds JSON timestamps to nanoseconds; rounding both ends of every slice
// here instead keeps back-to-back slices back to back (never a 1 ns overlap) on every track.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config.hpp"
#include "workloads/trace.hpp"

namespace aisim {

// What a kernel is, for the timeline only: the engines need durations alone.
struct KernelLabel {
  int job = -1;
  int op = -1;  // index into the job's trace ops
  int iteration = -1;
  float sequence_length = 0;  // of the iteration (sizes of symbolic traces depend on it)
};

class TimelineSink;  // the file (plain or gzip), timeline.cpp

class Timeline {
 public:
  // Opens `path` for writing (throws InputError naming it when it cannot) and writes the track
  // names. `config` and `traces` must outlive the timeline.
  Timeline(const std::string& path, const Config& config, const std::vector<Trace>& traces);
  // Closes the file as valid JSON even when the simulation stopped early (out of memory).
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  // --- host CPU (sim/host_cpu.cpp) ---
  void thread_added(int thread, const std::string& name);
  // `thread` ran on `core` (its own work); consecutive runs of one thread on one core merge.
  void thread_ran(int core, int thread, double start_s, double end_s);
  // `core` paid the context switch that brought `thread` in.
  void context_switch(int core, int thread, double start_s, double end_s);
  // --- accelerators (sim/device_engine.cpp, sim/copy_engine.cpp) ---
  void kernel(int device, const KernelLabel& label, double start_s, double end_s);
  // A device's run of kernels ended now (after its kernel() calls): a power sample if a window
  // boundary passed. Power comes from SimGrid's energy counter, read now, so it is sampled at
  // the current time, not at a past kernel's end.
  void device_ran(int device, double now_s);
  // A copy engine's host-to-device transfer (prefetches).
  void copy(int device, double bytes, double start_s, double end_s);
  // --- the jobs (sim/node_runtime.cpp) ---
  // A dispatch thread's synchronous input-batch copy (cudaMemcpy).
  void input_copy(int job, double bytes, double start_s, double end_s);
  void iteration(int job, int iteration, double start_s, double end_s);
  // Device memory after an allocation or a release: written when it changed.
  void device_memory(int device, double now_s, double reserved_bytes, double allocated_bytes);
  // Energy consumed so far by a device (J), for the power counters. It is read only when the
  // device's own activity ends (a kernel, a CPU burst), where SimGrid's energy plugin has just
  // brought the figure up to date anyway: reading it elsewhere would split the plugin's
  // integration and change the report's energy in its last bits. Without one: no power.
  using EnergyReader = std::function<double(int device)>;
  void set_energy_reader(EnergyReader reader) { energy_reader_ = std::move(reader); }
  void window_started(double now_s);

  // Writes what is still pending (open utilization windows, merged CPU slices) and closes the
  // file; further hooks are ignored.
  void finish(double end_s);
  double util_window_s() const { return util_window_s_; }
  std::uint64_t events_written() const { return events_; }

 private:
  struct PendingSlice {
    int thread = -1;
    double start_s = 0, end_s = 0;
  };
  struct UtilWindow {
    std::size_t index = 0;  // the window being summed: [index * w, (index + 1) * w)
    double busy_s = 0;
  };
  struct Memory {
    double reserved_bytes = -1, allocated_bytes = -1;
  };
  struct JobTracks {
    int pid = 0;  // its device's process
    const Trace* trace = nullptr;
    std::vector<std::string> op_names;  // JSON-escaped once
    std::vector<std::string> op_phases;
  };

  void flush_core(int core);
  // A power sample of `device` at now_s if a utilization window boundary passed since its last.
  void sample_power(int device, double now_s, bool force = false);
  void add_busy(int device, double start_s, double end_s);
  void write_util(int device, std::size_t window, double pct);
  // `{"ph":"X",...}` up to and including "dur"; the caller appends name, cat, args and `}`.
  void begin_slice(int pid, int tid, std::int64_t start_ns, std::int64_t dur_ns);
  void begin_event();
  void end_event();
  void metadata(int pid, int tid, const char* what, const std::string& name);
  void sort_index(int pid, int tid, int index);

  std::unique_ptr<TimelineSink> sink_;
  fmt::appender out() { return fmt::appender(buffer_); }
  void append(std::string_view text) { buffer_.append(text.data(), text.data() + text.size()); }

  fmt::memory_buffer buffer_;  // events not yet written to the file
  std::uint64_t events_ = 0;
  bool closed_ = false;
  double util_window_s_;
  int host_device_;
  int host_pid_;
  std::vector<int> device_pid_;  // by device index
  std::vector<bool> accelerator_;
  std::vector<std::string> thread_names_;  // escaped, by thread id
  std::vector<std::string> thread_kinds_;  // the slice category: dispatch, loader, ...
  std::vector<PendingSlice> cores_;
  std::vector<UtilWindow> util_;
  std::vector<Memory> memory_;
  EnergyReader energy_reader_;
  struct PowerSample {
    double at_s = 0, energy_j = 0, next_s = 0;
  };
  std::vector<PowerSample> power_;
  std::vector<JobTracks> jobs_;
};

}  // namespace aisim
