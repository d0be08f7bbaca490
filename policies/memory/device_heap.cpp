#include "policies/memory/device_heap.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace aisim {

DeviceAddressSpace::DeviceAddressSpace(Bytes capacity_bytes) : capacity_bytes_(capacity_bytes) {
  if (capacity_bytes > 0) free_[0] = capacity_bytes;
}

std::optional<Bytes> DeviceAddressSpace::allocate(Bytes bytes) {
  if (bytes == 0) return std::nullopt;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < bytes) continue;
    const Bytes address = it->first;
    const Bytes rest = it->second - bytes;
    free_.erase(it);
    if (rest > 0) free_[address + bytes] = rest;
    segments_[address] = bytes;
    used_bytes_ += bytes;
    return address;
  }
  return std::nullopt;
}

void DeviceAddressSpace::free(Bytes address) {
  const auto seg = segments_.find(address);
  if (seg == segments_.end())
    throw std::logic_error(std::string("device free of an unknown segment at ") +
                           std::to_string(address));
  Bytes start = address, size = seg->second;
  used_bytes_ -= size;
  segments_.erase(seg);
  auto next = free_.lower_bound(address);
  if (next != free_.end() && next->first == start + size) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      size += prev->second;
      free_.erase(prev);
    }
  }
  free_[start] = size;
}

Bytes DeviceAddressSpace::largest_free_range_bytes() const {
  Bytes largest = 0;
  for (const auto& [address, size] : free_) largest = std::max(largest, size);
  return largest;
}

void SegmentHeap::add_segment(Bytes address, Bytes size, int pool) {
  segments_[address] = size;
  const Block b{address, size, address, pool, false};
  blocks_[address] = b;
  index_free(b);
  reserved_bytes_ += size;
  debug_check();
}

const SegmentHeap::Block* SegmentHeap::best_fit(int pool, Bytes bytes) const {
  const auto it = free_.lower_bound({pool, bytes, 0});
  if (it == free_.end() || it->pool != pool) return nullptr;
  return &blocks_.at(it->address);
}

const SegmentHeap::Block& SegmentHeap::take(Bytes address, Bytes bytes, bool split) {
  Block& b = blocks_.at(address);
  if (b.allocated || b.size < bytes) throw std::logic_error("SegmentHeap::take on a bad block");
  unindex_free(b);
  if (split && b.size > bytes) {
    const Block rest{b.address + bytes, b.size - bytes, b.segment, b.pool, false};
    b.size = bytes;
    blocks_[rest.address] = rest;
    index_free(rest);
  }
  b.allocated = true;
  allocated_block_bytes_ += b.size;
  debug_check();
  return b;
}

const SegmentHeap::Block& SegmentHeap::give_back(Bytes address) {
  auto it = blocks_.find(address);
  if (it == blocks_.end() || !it->second.allocated)
    throw std::logic_error(std::string("SegmentHeap::give_back of a block not allocated at ") +
                           std::to_string(address));
  it->second.allocated = false;
  allocated_block_bytes_ -= it->second.size;
  // Coalesce with the next block, then with the previous one, inside the same segment.
  auto next = std::next(it);
  if (next != blocks_.end() && !next->second.allocated &&
      next->second.segment == it->second.segment) {
    unindex_free(next->second);
    it->second.size += next->second.size;
    blocks_.erase(next);
  }
  if (it != blocks_.begin()) {
    auto prev = std::prev(it);
    if (!prev->second.allocated && prev->second.segment == it->second.segment) {
      unindex_free(prev->second);
      prev->second.size += it->second.size;
      blocks_.erase(it);
      it = prev;
    }
  }
  index_free(it->second);
  debug_check();
  return it->second;
}

std::vector<Bytes> SegmentHeap::remove_unsplit_free_segments() {
  std::vector<Bytes> removed;
  for (auto it = segments_.begin(); it != segments_.end();) {
    const Block& b = blocks_.at(it->first);
    if (!b.allocated && b.size == it->second) {
      removed.push_back(it->first);
      unindex_free(b);
      blocks_.erase(it->first);
      reserved_bytes_ -= it->second;
      it = segments_.erase(it);
    } else {
      ++it;
    }
  }
  debug_check();
  return removed;
}

void SegmentHeap::remove_segment(Bytes segment) {
  const Block& b = blocks_.at(segment);
  if (b.allocated || b.size != segments_.at(segment))
    throw std::logic_error("SegmentHeap::remove_segment of a segment in use");
  unindex_free(b);
  blocks_.erase(segment);
  reserved_bytes_ -= segments_.at(segment);
  segments_.erase(segment);
  debug_check();
}

const SegmentHeap::Block* SegmentHeap::find(Bytes address) const {
  const auto it = blocks_.find(address);
  return it == blocks_.end() ? nullptr : &it->second;
}

Bytes SegmentHeap::largest_free_block_bytes() const {
  Bytes largest = 0;
  for (const auto& key : free_) largest = std::max(largest, key.size);
  return largest;
}

void SegmentHeap::check_invariants() const {
  const auto fail = [](const std::string& what) {
    throw std::logic_error("SegmentHeap invariant: " + what);
  };
  Bytes reserved = 0, allocated = 0;
  std::size_t free_blocks = 0;
  for (const auto& [address, size] : segments_) {
    reserved += size;
    // The segment's blocks tile it exactly: no overlap, no gap.
    Bytes cursor = address;
    for (auto it = blocks_.find(address); it != blocks_.end() && it->second.segment == address;
         ++it) {
      const Block& b = it->second;
      if (b.address != cursor) fail("gap or overlap at " + std::to_string(b.address));
      if (b.size == 0) fail("empty block");
      cursor += b.size;
      if (b.allocated) {
        allocated += b.size;
      } else {
        ++free_blocks;
        if (!free_.count({b.pool, b.size, b.address})) fail("free block not indexed");
        auto next = std::next(it);
        if (next != blocks_.end() && next->second.segment == address && !next->second.allocated)
          fail("two adjacent free blocks were not coalesced");
      }
    }
    if (cursor != address + size) fail("blocks do not cover segment " + std::to_string(address));
  }
  if (free_blocks != free_.size()) fail("free index has stale entries");
  if (reserved != reserved_bytes_) fail("reserved counter");
  if (allocated != allocated_block_bytes_) fail("allocated counter");
  if (allocated > reserved) fail("allocated > reserved");
}

}  // namespace aisim
