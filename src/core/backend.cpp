#include "core/backend.h"

#include <mlx/backend/cuda/cuda.h>
#include <mlx/backend/metal/metal.h>
#include <mlx/device.h>
#include <mlx/version.h>

namespace mlxocr {

std::string mlx_version() {
  return mlx::core::version();
}

std::string backend_name() {
  namespace mx = mlx::core;
  if (mx::default_device() == mx::Device::cpu) return "cpu";
  if (mx::metal::is_available()) return "metal";
  if (mx::cu::is_available()) return "cuda";
  return "gpu";
}

}  // namespace mlxocr
