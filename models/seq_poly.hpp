// Sizes that depend on the sequence length S of an iteration (dynamic padding): a polynomial
// c0 + c1*S + c2*S^2. Fixed-shape models (ResNet-50) use c0 only; linear layers of a transformer
// scale with S, attention scores with S^2.
#pragma once

#include <cstdint>
#include <vector>

namespace aisim {

// The symbolic sequence dimension in a shape ("S" in JSON).
inline constexpr std::int64_t kSeqDim = -1;

struct SeqPoly {
  double c0 = 0, c1 = 0, c2 = 0;
  SeqPoly() = default;
  SeqPoly(double constant) : c0(constant) {}  // NOLINT: a plain number is a constant size
  SeqPoly(double constant, double per_seq, double per_seq2)
      : c0(constant), c1(per_seq), c2(per_seq2) {}
  double at(double seq) const { return c0 + seq * (c1 + seq * c2); }
  bool symbolic() const { return c1 != 0 || c2 != 0; }
  SeqPoly operator+(const SeqPoly& o) const { return {c0 + o.c0, c1 + o.c1, c2 + o.c2}; }
  SeqPoly& operator+=(const SeqPoly& o) { return *this = *this + o; }
  SeqPoly operator*(double k) const { return {c0 * k, c1 * k, c2 * k}; }
};

// Elements of a tensor of `shape` (kSeqDim allowed, at most twice), as a polynomial in S.
SeqPoly shape_elements(const std::vector<std::int64_t>& shape);

}  // namespace aisim
