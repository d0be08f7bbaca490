// A device's memory as addresses, so that fragmentation is a fact of the simulation and not a
// number painted on it. Two levels, as on a CUDA device:
//   DeviceAddressSpace: the driver. Segments (cudaMalloc results) are placed first-fit in
//     [0, capacity); a segment either fits in one free range or the device allocation fails.
//   SegmentHeap: an allocator's view of the segments it holds, cut into blocks. Blocks split
//     and coalesce only inside their segment (PyTorch never merges across segments).
// Plain C++, integer bytes; shared by the policies in this folder.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace aisim {

using Bytes = std::uint64_t;

// Round `bytes` up to a multiple of `unit` (unit > 0).
constexpr Bytes round_up(Bytes bytes, Bytes unit) {
  return (bytes + unit - 1) / unit * unit;
}

class DeviceAddressSpace {
 public:
  explicit DeviceAddressSpace(Bytes capacity_bytes = 0);

  // A device allocation of `bytes`: the lowest free range that holds it, or nothing when no
  // single free range is large enough (even if the free bytes add up).
  std::optional<Bytes> allocate(Bytes bytes);
  // Returns a segment obtained from allocate(); neighbouring free ranges merge.
  void free(Bytes address);

  Bytes capacity_bytes() const { return capacity_bytes_; }
  Bytes used_bytes() const { return used_bytes_; }
  Bytes largest_free_range_bytes() const;
  std::size_t segment_count() const { return segments_.size(); }
  Bytes segment_size(Bytes address) const { return segments_.at(address); }

 private:
  Bytes capacity_bytes_;
  Bytes used_bytes_ = 0;
  std::map<Bytes, Bytes> free_;      // address -> size
  std::map<Bytes, Bytes> segments_;  // address -> size
};

// Blocks of the segments one allocator holds. Free blocks are indexed per pool by (size,
// address), the order PyTorch's BlockComparator uses, so "best fit" is a lower_bound.
class SegmentHeap {
 public:
  struct Block {
    Bytes address = 0;
    Bytes size = 0;
    Bytes segment = 0;  // address of the segment it belongs to
    int pool = 0;
    bool allocated = false;
  };

  // A segment just obtained from the driver becomes one free block of `pool`.
  void add_segment(Bytes address, Bytes size, int pool);
  // The smallest free block of `pool` with size >= bytes (ties: lowest address).
  const Block* best_fit(int pool, Bytes bytes) const;
  // Marks the free block at `address` allocated, cutting it to `bytes` when `split` (the rest
  // stays a free block right after it). Returns the allocated block.
  const Block& take(Bytes address, Bytes bytes, bool split);
  // Marks the block free and merges it with free neighbours of the same segment.
  const Block& give_back(Bytes address);
  // Removes every segment that is one whole free block (never split or fully coalesced) of any
  // pool, and returns their addresses: what PyTorch's release_cached_blocks hands to cudaFree.
  std::vector<Bytes> remove_unsplit_free_segments();
  // Removes a segment that is one whole free block (used by planned arenas).
  void remove_segment(Bytes segment);

  const Block* find(Bytes address) const;
  Bytes reserved_bytes() const { return reserved_bytes_; }
  Bytes allocated_block_bytes() const { return allocated_block_bytes_; }
  Bytes largest_free_block_bytes() const;
  std::size_t segment_count() const { return segments_.size(); }
  // Throws std::logic_error if blocks overlap, leave gaps inside a segment, or the counters
  // disagree with the blocks. Tests call it; debug builds call it after every change.
  void check_invariants() const;

 private:
  void index_free(const Block& b) { free_.insert({b.pool, b.size, b.address}); }
  void unindex_free(const Block& b) { free_.erase({b.pool, b.size, b.address}); }
  void debug_check() const {
#ifndef NDEBUG
    check_invariants();
#endif
  }

  struct FreeKey {
    int pool;
    Bytes size;
    Bytes address;
    bool operator<(const FreeKey& o) const {
      if (pool != o.pool) return pool < o.pool;
      if (size != o.size) return size < o.size;
      return address < o.address;
    }
  };
  std::map<Bytes, Block> blocks_;    // by address
  std::map<Bytes, Bytes> segments_;  // address -> size
  std::set<FreeKey> free_;
  Bytes reserved_bytes_ = 0;
  Bytes allocated_block_bytes_ = 0;
};

}  // namespace aisim
