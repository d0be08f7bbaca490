// Replays a recorded allocator stream (workloads/kineto_memory) through a memory policy, with no
// SimGrid engine: allocations and frees in recorded order, iteration starts at the recorded
// ProfilerStep boundaries. docs/validation.md compares the outcomes with the recorded figures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/json_reader.hpp"
#include "workloads/kineto_memory.hpp"

namespace aisim {

// What the recording itself says (PyTorch's caching allocator on the real device).
struct RecordedMemoryFigures {
  std::size_t allocations = 0, frees = 0;
  std::optional<double> peak_total_allocated_bytes;
  std::optional<double> min_total_reserved_bytes, max_total_reserved_bytes;
  double pre_window_allocated_bytes = 0;  // live before the first event (Total Allocated - Bytes)
  std::size_t frees_of_pre_window_tensors = 0;  // frees whose allocation is not in the window
};
RecordedMemoryFigures recorded_memory_figures(const KinetoMemoryStream& stream);

struct ReplayPass {
  std::uint64_t requests = 0, reused = 0;  // reused: no device allocation
  double bytes = 0, bytes_reused = 0;
  std::uint64_t device_allocations = 0, device_frees = 0;
  double peak_allocated_bytes = 0, peak_reserved_bytes = 0;
  double fragmentation_at_peak_bytes = 0;  // min(reserved - allocated) at peak reserved
  std::uint64_t unmatched_frees = 0;       // frees with no live allocation to pair with
  double reuse_pct() const { return requests ? 100.0 * reused / requests : 0; }
  double reuse_bytes_pct() const { return bytes > 0 ? 100.0 * bytes_reused / bytes : 0; }
};

struct ReplayResult {
  std::string policy;
  double capacity_bytes = 0;
  std::optional<std::string> out_of_memory;  // set when a request did not fit
  std::vector<ReplayPass> passes;            // the window replayed `passes` times in a row
};

// Pairs each free with its allocation by address where the event has one, else with the most
// recent live allocation of the same size. Frees whose allocation precedes the window are
// allocated before the first pass (with the rest of the pre-window Total Allocated as one
// block), so that allocated bytes follow the recorded Total Allocated exactly.
ReplayResult replay_memory(const KinetoMemoryStream& stream, const std::string& policy,
                           double capacity_bytes, int passes);

Json replay_to_json(const KinetoMemoryStream& stream, const RecordedMemoryFigures& recorded,
                    const std::vector<ReplayResult>& results);

}  // namespace aisim
