// Which MLX build and device we run on.
#pragma once

#include <string>

namespace mlxocr {

// MLX's version string, e.g. "0.32.4".
std::string mlx_version();

// "metal", "cuda" or "cpu": the device MLX computes on by default in this build.
std::string backend_name();

}  // namespace mlxocr
