#include "kernels/cpu/enabled.h"

#include <mlx/device.h>

#include <cstdlib>
#include <string>

namespace mlxocr {

bool cpu_kernels_apply(const mx::array& x) {
  return cpu_kernels_apply(x.dtype());
}

bool cpu_kernels_apply(mx::Dtype dtype) {
  static const bool enabled = [] {
    const char* env = std::getenv("MLXOCR_CPU_KERNELS");
    return env == nullptr || std::string(env) != "0";
  }();
  return enabled && dtype == mx::float32 && mx::default_device() == mx::Device::cpu;
}

}  // namespace mlxocr
