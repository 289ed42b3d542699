// The softmax of one row and its gradient (cpu_kernels.cpp), shared by the kernels that run a
// softmax inside a bigger operation (cpu_attention.cpp). Internal to src/model.
#pragma once

#include <cstdint>

namespace mlxocr::kernel {

// softmax(scale * x) over the first `visible` of `length` entries (scale > 0); the rest get 0.
// y may be x.
void softmax_row(const float* x, float* y, std::int64_t length, std::int64_t visible, float scale);

// dx = scale * y * (g - sum(g * y)) over `length` entries; dx may be g.
void softmax_grad_row(const float* y, const float* g, float* dx, std::int64_t length, float scale);

}  // namespace mlxocr::kernel
