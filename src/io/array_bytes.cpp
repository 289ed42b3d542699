#include "io/array_bytes.h"

#include <sys/mman.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <mlx/allocator.h>

namespace mlxocr {

static_assert(std::endian::native == std::endian::little,
              "checkpoint readers assume a little-endian host, as the files are little-endian");

namespace {

// Copies `count` elements that lie `stride` elements apart in `src` to consecutive places in
// `dst`, converting float64 to float32 and normalising booleans; returns the end of the output.
std::uint8_t* copy_run(const std::uint8_t* src, std::int64_t count, std::int64_t stride,
                       mx::Dtype dtype, std::uint8_t* dst) {
  const std::size_t item = mx::size_of(dtype);
  if (dtype == mx::float64) {
    for (std::int64_t i = 0; i < count; ++i) {
      double value;
      std::memcpy(&value, src + i * stride * 8, sizeof value);
      // Out-of-range conversions are undefined in C++; saturate to infinity as IEEE would.
      float narrowed;
      if (std::isfinite(value) && std::fabs(value) > std::numeric_limits<float>::max()) {
        narrowed = value > 0 ? std::numeric_limits<float>::infinity()
                             : -std::numeric_limits<float>::infinity();
      } else {
        narrowed = static_cast<float>(value);
      }
      std::memcpy(dst, &narrowed, sizeof narrowed);
      dst += sizeof narrowed;
    }
    return dst;
  }
  if (dtype == mx::bool_) {
    for (std::int64_t i = 0; i < count; ++i)
      *dst++ = src[i * stride] != 0 ? 1 : 0;
    return dst;
  }
  if (stride == 1) {
    std::memcpy(dst, src, static_cast<std::size_t>(count) * item);
    return dst + static_cast<std::size_t>(count) * item;
  }
  const std::int64_t step = stride * static_cast<std::int64_t>(item);
  for (std::int64_t i = 0; i < count; ++i) {
    std::memcpy(dst, src + i * step, item);
    dst += item;
  }
  return dst;
}

// Advice only: where the kernel has no transparent huge pages the range keeps 4 KB pages.
void advise_huge_pages(std::uint8_t* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHugePage = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) / kHugePage * kHugePage;
  const std::uintptr_t last = (begin + bytes) / kHugePage * kHugePage;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace

mx::array allocate_array(const std::vector<std::int64_t>& shape, mx::Dtype dtype) {
  mx::Shape dims;
  std::size_t count = 1;
  for (std::int64_t dim : shape) {
    dims.push_back(static_cast<mx::ShapeElem>(dim));
    count *= static_cast<std::size_t>(dim);
  }
  const std::size_t bytes = count * mx::size_of(dtype);
  mx::array out(mx::allocator::malloc(bytes), std::move(dims), dtype);
  if (bytes > 0) advise_huge_pages(out.data<std::uint8_t>(), bytes);
  return out;
}

mx::Dtype loaded_dtype(mx::Dtype stored) {
  return stored == mx::float64 ? mx::float32 : stored;
}

std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::string shape_string(const mx::Shape& shape) {
  return shape_string(std::vector<std::int64_t>(shape.begin(), shape.end()));
}

mx::array materialise(const StoredTensor& tensor) {
  mx::array out = allocate_array(tensor.shape, loaded_dtype(tensor.dtype));
  const std::size_t count = out.size();
  if (count == 0) return out;

  const std::size_t item = mx::size_of(tensor.dtype);
  const std::uint8_t* first = tensor.base + tensor.offset * static_cast<std::int64_t>(item);
  std::uint8_t* dst = out.data<std::uint8_t>();
  const std::size_t ndim = tensor.shape.size();
  if (ndim == 0 || tensor.strides == row_major_strides(tensor.shape)) {
    copy_run(first, static_cast<std::int64_t>(count), 1, tensor.dtype, dst);
    return out;
  }
  // Walk the outer dimensions like an odometer; the innermost one is copied as one run.
  const std::int64_t inner = tensor.shape[ndim - 1];
  const std::int64_t inner_stride = tensor.strides[ndim - 1];
  std::vector<std::int64_t> index(ndim - 1, 0);
  std::int64_t position = 0;  // element offset of the current run, relative to `first`
  for (std::size_t run = 0, runs = count / static_cast<std::size_t>(inner); run < runs; ++run) {
    dst = copy_run(first + position * static_cast<std::int64_t>(item), inner, inner_stride,
                   tensor.dtype, dst);
    for (std::size_t axis = ndim - 1; axis-- > 0;) {
      position += tensor.strides[axis];
      if (++index[axis] < tensor.shape[axis]) break;
      position -= tensor.strides[axis] * tensor.shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

}  // namespace mlxocr
