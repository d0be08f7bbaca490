// The allocator stream of a Kineto (PyTorch profiler) trace recorded with profile_memory: its
// `[memory]` instant events (args Bytes, and in current traces Addr, Total Allocated, Total
// Reserved), and the ProfilerStep boundaries. Reads .json or .json.gz (zlib).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aisim {

struct KinetoMemoryEvent {
  double ts_us = 0;
  std::int64_t bytes = 0;  // > 0 allocation, < 0 free
  std::optional<std::uint64_t> address;
  std::optional<std::int64_t> total_allocated_bytes;  // after this event
  std::optional<std::int64_t> total_reserved_bytes;
};

struct KinetoMemoryStream {
  std::string file;
  int device_id = -1;  // the CUDA device with the most events; only its events are kept
  std::optional<double> device_capacity_bytes;  // deviceProperties[].totalGlobalMem
  std::vector<KinetoMemoryEvent> events;        // sorted by time (stable)
  std::vector<double> step_start_us;            // ProfilerStep#N starts, sorted
  std::size_t other_device_events = 0;          // CPU or other-GPU events left out
};

// Throws TraceError when the file cannot be read or is not JSON.
KinetoMemoryStream read_kineto_memory(const std::string& path);

}  // namespace aisim
