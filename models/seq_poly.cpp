#include "models/seq_poly.hpp"

namespace aisim {

SeqPoly shape_elements(const std::vector<std::int64_t>& shape) {
  double fixed = 1;
  int seq_dims = 0;
  for (const auto d : shape) {
    if (d == kSeqDim)
      ++seq_dims;
    else
      fixed *= static_cast<double>(d);
  }
  SeqPoly elements;
  (seq_dims == 0 ? elements.c0 : seq_dims == 1 ? elements.c1 : elements.c2) = fixed;
  return elements;
}

}  // namespace aisim
