#include "policies/memory/caching_allocator.hpp"

namespace aisim {

const SegmentHeap::Block* CachingAllocator::get_free_block(Pool pool, Bytes rounded) const {
  const SegmentHeap::Block* block = heap_.best_fit(pool, rounded);
  if (!block) return nullptr;
  // Do not hand out an oversize block for a normal request, and do not hand out a block much
  // larger than an oversize request (both only when max_split_size is set).
  if (rounded < max_split_size_ && block->size >= max_split_size_) return nullptr;
  if (rounded >= max_split_size_ && block->size >= rounded + kLargeBuffer) return nullptr;
  return block;
}

bool CachingAllocator::should_split(const SegmentHeap::Block& block, Bytes rounded) const {
  const Bytes remaining = block.size - rounded;
  if (block.pool == kSmallPool) return remaining >= kMinBlockSize;
  return rounded < max_split_size_ && remaining > kSmallSize;
}

CachingAllocator::Result CachingAllocator::allocate(Bytes bytes) {
  const Bytes rounded = round_size(bytes);
  const Pool pool = rounded <= kSmallSize ? kSmallPool : kLargePool;
  Result result;
  const SegmentHeap::Block* block = get_free_block(pool, rounded);
  if (!block) {
    const Bytes segment_bytes = allocation_size(rounded);
    auto address = space_.allocate(segment_bytes);
    if (!address) {
      // cudaMalloc failed: free every unsplit cached segment (a synchronizing cudaFree each),
      // then try once more.
      result.device_frees = release_cached_segments();
      address = space_.allocate(segment_bytes);
      if (!address) return result;  // ok = false: out of memory
    }
    ++result.device_allocations;
    heap_.add_segment(*address, segment_bytes, pool);
    block = heap_.find(*address);
  }
  const SegmentHeap::Block& taken =
      heap_.take(block->address, rounded, should_split(*block, rounded));
  result.ok = true;
  result.address = taken.address;
  return result;
}

void CachingAllocator::free(Bytes address) {
  heap_.give_back(address);
}

int CachingAllocator::release_cached_segments() {
  const auto segments = heap_.remove_unsplit_free_segments();
  for (Bytes s : segments) space_.free(s);
  return static_cast<int>(segments.size());
}

}  // namespace aisim
