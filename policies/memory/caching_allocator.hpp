// The rules of PyTorch's CUDACachingAllocator (c10/cuda/CUDACachingAllocator.cpp), one device,
// as REFERENCE-FACTS section 5.1 lists them. The `caching` policy is this class per device;
// `tensor-aware` uses it for whatever its plan does not cover.
//
// Simplified, on purpose (none of these changes a decision for a single-stream job):
// - one stream: blocks are not tagged with a stream and recordStream deferral does not exist;
// - default CUDAAllocatorConfig: max_split_size = unlimited (kept as a parameter so the
//   oversize rules exist), no garbage_collection_threshold, no expandable segments, no
//   roundup_power2_divisions;
// - no free-memory callbacks; release_available_cached_blocks only acts when max_split_size is
//   set, so with the default the retry path is: free every unsplit cached segment, retry, OOM.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>

#include "policies/memory/device_heap.hpp"

namespace aisim {

inline constexpr Bytes kMiB = 1024 * 1024;

class CachingAllocator {
 public:
  static constexpr Bytes kMinBlockSize = 512;       // every request is rounded to a multiple
  static constexpr Bytes kSmallSize = 1 * kMiB;     // largest request served by the small pool
  static constexpr Bytes kSmallBuffer = 2 * kMiB;   // segment size of the small pool
  static constexpr Bytes kLargeBuffer = 20 * kMiB;  // segment size for 1-10 MiB requests
  static constexpr Bytes kMinLargeAlloc = 10 * kMiB;
  static constexpr Bytes kRoundLarge = 2 * kMiB;  // larger segments are multiples of this
  enum Pool { kSmallPool = 0, kLargePool = 1 };

  explicit CachingAllocator(DeviceAddressSpace& space,
                            Bytes max_split_size = std::numeric_limits<Bytes>::max())
      : space_(space), max_split_size_(max_split_size) {}

  static Bytes round_size(Bytes bytes) {
    return bytes < kMinBlockSize ? kMinBlockSize : round_up(bytes, kMinBlockSize);
  }
  static Bytes allocation_size(Bytes rounded) {  // get_allocation_size
    if (rounded <= kSmallSize) return kSmallBuffer;
    if (rounded < kMinLargeAlloc) return kLargeBuffer;
    return round_up(rounded, kRoundLarge);
  }

  struct Result {
    bool ok = false;
    Bytes address = 0;
    int device_allocations = 0;  // 0: served from cached memory
    int device_frees = 0;        // cached segments freed to make room (each synchronizes)
  };
  // `bytes` as requested; the block handed out may be larger (rounding, unsplit remainder).
  Result allocate(Bytes bytes);
  // The block goes back to its pool and coalesces; never a device free.
  void free(Bytes address);
  // release_cached_blocks: device-frees every cached segment that is one free block. Returns
  // how many device frees that was.
  int release_cached_segments();

  Bytes reserved_bytes() const { return heap_.reserved_bytes(); }
  Bytes allocated_block_bytes() const { return heap_.allocated_block_bytes(); }
  Bytes largest_free_block_bytes() const { return heap_.largest_free_block_bytes(); }
  std::size_t segment_count() const { return heap_.segment_count(); }
  Bytes block_size(Bytes address) const { return heap_.find(address)->size; }
  const SegmentHeap& heap() const { return heap_; }

 private:
  const SegmentHeap::Block* get_free_block(Pool pool, Bytes rounded) const;
  bool should_split(const SegmentHeap::Block& block, Bytes rounded) const;

  DeviceAddressSpace& space_;
  Bytes max_split_size_;
  SegmentHeap heap_;
};

}  // namespace aisim
