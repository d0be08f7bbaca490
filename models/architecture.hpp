// Model architectures as layer lists, from which training traces are generated (workloads/).
// Each layer carries per-sample forward work and the sizes of what it reads and writes, counted
// from the architecture's shapes (no measured or fitted numbers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aisim {

enum class LayerKind { kConv, kLinear, kBatchNorm, kRelu, kAdd, kMaxPool, kAvgPool, kLoss };

struct Layer {
  std::string name;
  LayerKind kind = LayerKind::kConv;
  std::int64_t params = 0;       // trainable parameters (elements)
  double forward_macs = 0;       // multiply-accumulates per sample (conv / linear only)
  double forward_flops = 0;      // other arithmetic per sample (norms, activations, pooling)
  double input_elements = 0;     // per sample, summed over inputs
  double output_elements = 0;    // per sample
  bool needs_input_grad = true;  // false for the first layer: no gradient w.r.t. the image
};

struct Architecture {
  std::string name;
  std::vector<Layer> layers;             // in forward order
  double input_elements_per_sample = 0;  // the input batch tensor, per sample
  int input_element_bytes = 4;           // as the data loader hands it over (fp32 images)

  std::int64_t parameter_count() const;
  double forward_macs_per_sample() const;
};

// torchvision ResNet-50 v1.5 (stride on the 3x3 conv of each bottleneck), 1000 classes.
Architecture resnet50(int image_size = 224);

// The names accepted by architecture_by_name, comma-separated (for error messages).
std::string_view architecture_names();
bool has_architecture(std::string_view name);
// Throws std::invalid_argument for an unknown name (callers validate first).
Architecture architecture_by_name(std::string_view name);

}  // namespace aisim
