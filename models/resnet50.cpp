// ResNet-50 v1.5 layer census, following torchvision/models/resnet.py (Bottleneck, layers
// [3, 4, 6, 3]): 53 convolutions, 53 batch norms, 49 ReLU applications, 16 residual adds, one
// max pool, one average pool, one linear layer. Checked in tests against the published
// 25,557,032 parameters and 4.089 GMACs per 224x224 image.
#include <stdexcept>

#include "models/architecture.hpp"

namespace aisim {
namespace {

class ResNetBuilder {
 public:
  explicit ResNetBuilder(Architecture& arch) : arch_(arch) {}

  // Convolution without bias (ResNet convs are followed by batch norm).
  void conv(const std::string& name, int c_in, int c_out, int kernel, int stride, int& hw,
            bool first = false) {
    const int hw_out = (hw + 2 * (kernel / 2) - kernel) / stride + 1;
    Layer layer{name, LayerKind::kConv};
    layer.params = static_cast<std::int64_t>(c_in) * c_out * kernel * kernel;
    layer.forward_macs = static_cast<double>(hw_out) * hw_out * c_out * c_in * kernel * kernel;
    layer.input_elements = static_cast<double>(hw) * hw * c_in;
    layer.output_elements = static_cast<double>(hw_out) * hw_out * c_out;
    layer.needs_input_grad = !first;
    arch_.layers.push_back(layer);
    hw = hw_out;
  }

  void batch_norm(const std::string& name, int channels, int hw) {
    Layer layer{name, LayerKind::kBatchNorm};
    layer.params = 2LL * channels;  // weight and bias (running stats are buffers, not parameters)
    const double elements = static_cast<double>(hw) * hw * channels;
    layer.forward_flops = 4 * elements;  // subtract mean, scale, multiply, add
    layer.input_elements = elements;
    layer.output_elements = elements;
    arch_.layers.push_back(layer);
  }

  void elementwise(const std::string& name, LayerKind kind, double elements, int inputs) {
    Layer layer{name, kind};
    layer.forward_flops = elements;
    layer.input_elements = elements * inputs;
    layer.output_elements = elements;
    arch_.layers.push_back(layer);
  }

  void bottleneck(const std::string& name, int& c_in, int width, int stride, int& hw) {
    const int c_out = width * 4;
    const int hw_in = hw;
    int hw_branch = hw;
    conv(name + ".conv1", c_in, width, 1, 1, hw_branch);
    batch_norm(name + ".bn1", width, hw_branch);
    elementwise(name + ".relu1", LayerKind::kRelu, 1.0 * hw_branch * hw_branch * width, 1);
    conv(name + ".conv2", width, width, 3, stride, hw_branch);  // v1.5: stride on the 3x3
    batch_norm(name + ".bn2", width, hw_branch);
    elementwise(name + ".relu2", LayerKind::kRelu, 1.0 * hw_branch * hw_branch * width, 1);
    conv(name + ".conv3", width, c_out, 1, 1, hw_branch);
    batch_norm(name + ".bn3", c_out, hw_branch);
    if (stride != 1 || c_in != c_out) {
      int hw_down = hw_in;
      conv(name + ".downsample.0", c_in, c_out, 1, stride, hw_down);
      batch_norm(name + ".downsample.1", c_out, hw_down);
    }
    const double out = 1.0 * hw_branch * hw_branch * c_out;
    elementwise(name + ".add", LayerKind::kAdd, out, 2);
    elementwise(name + ".relu3", LayerKind::kRelu, out, 1);
    c_in = c_out;
    hw = hw_branch;
  }

 private:
  Architecture& arch_;
};

}  // namespace

Architecture resnet50(int image_size) {
  Architecture arch;
  arch.name = "resnet50";
  arch.input_elements_per_sample = 3.0 * image_size * image_size;
  ResNetBuilder b(arch);
  int hw = image_size;
  b.conv("conv1", 3, 64, 7, 2, hw, /*first=*/true);
  b.batch_norm("bn1", 64, hw);
  b.elementwise("relu", LayerKind::kRelu, 1.0 * hw * hw * 64, 1);
  {
    const double in = 1.0 * hw * hw * 64;
    hw = (hw + 2 - 3) / 2 + 1;  // 3x3 max pool, stride 2, padding 1
    Layer pool{"maxpool", LayerKind::kMaxPool};
    pool.input_elements = in;
    pool.output_elements = 1.0 * hw * hw * 64;
    pool.forward_flops = 9 * pool.output_elements;
    arch.layers.push_back(pool);
  }
  int channels = 64;
  const int blocks[4] = {3, 4, 6, 3};
  const int widths[4] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    for (int block = 0; block < blocks[stage]; ++block) {
      const int stride = (stage > 0 && block == 0) ? 2 : 1;
      b.bottleneck("layer" + std::to_string(stage + 1) + "." + std::to_string(block), channels,
                   widths[stage], stride, hw);
    }
  }
  Layer avgpool{"avgpool", LayerKind::kAvgPool};
  avgpool.input_elements = 1.0 * hw * hw * channels;
  avgpool.output_elements = channels;
  avgpool.forward_flops = avgpool.input_elements;
  arch.layers.push_back(avgpool);

  Layer fc{"fc", LayerKind::kLinear};
  fc.params = static_cast<std::int64_t>(channels) * 1000 + 1000;
  fc.forward_macs = channels * 1000.0;
  fc.input_elements = channels;
  fc.output_elements = 1000;
  arch.layers.push_back(fc);

  Layer loss{"loss", LayerKind::kLoss};
  loss.input_elements = 1000;
  loss.output_elements = 1;
  loss.forward_flops = 3 * 1000.0;  // log-softmax and negative log-likelihood
  arch.layers.push_back(loss);
  return arch;
}

std::int64_t Architecture::parameter_count() const {
  std::int64_t total = 0;
  for (const auto& layer : layers) total += layer.params;
  return total;
}

double Architecture::forward_macs_per_sample() const {
  double total = 0;
  for (const auto& layer : layers) total += layer.forward_macs;
  return total;
}

std::string_view architecture_names() {
  return "resnet50";
}

bool has_architecture(std::string_view name) {
  return name == "resnet50";
}

Architecture architecture_by_name(std::string_view name) {
  if (name == "resnet50") return resnet50();
  throw std::invalid_argument("unknown model architecture: " + std::string(name));
}

}  // namespace aisim
