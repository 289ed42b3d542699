#include "io/mapped_array.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <mlx/allocator.h>
#include <mlx/device.h>

namespace mlxocr {

namespace {

// MLX's CPU allocator puts a size field in front of each buffer's data, and Buffer::raw_ptr()
// (where arrays read their data) is the buffer's address plus that field. A buffer over a
// mapping therefore starts that many bytes before the tensor, on the last bytes of the tensor
// (or header) before it. MLX frees such a buffer through our deleter, never the allocator, but
// does read its "size" (array::buffer_size, e.g. mx::contiguous deciding whether to share the
// buffer): whatever value those bytes hold only chooses between sharing and copying, but they
// must stay readable. Measured instead of assumed, on a buffer over a local array, so that a
// release that moves the data elsewhere is noticed.
std::ptrdiff_t cpu_buffer_header_bytes() {
  static const std::ptrdiff_t header = [] {
    static std::uint8_t probe[64];
    mx::allocator::Buffer buffer(probe + 32);
    return static_cast<std::uint8_t*>(buffer.raw_ptr()) - (probe + 32);
  }();
  return header;
}

bool disabled_by_environment() {
  const char* value = std::getenv("MLXOCR_MAP_WEIGHTS");
  return value != nullptr && std::strcmp(value, "0") == 0;
}

}  // namespace

bool mapped_arrays_supported() {
  static const bool supported = [] {
    if (disabled_by_environment() || mx::is_available(mx::Device::gpu)) return false;
    const std::ptrdiff_t header = cpu_buffer_header_bytes();
    return header >= 0 && header <= 64;
  }();
  return supported;
}

std::optional<mx::array> array_over_mapping(const std::shared_ptr<const MappedFile>& file,
                                            std::size_t offset, const mx::Shape& shape,
                                            mx::Dtype dtype) {
  std::uint8_t* base = file->writable_data();
  if (!mapped_arrays_supported() || base == nullptr) return std::nullopt;
  std::size_t bytes = mx::size_of(dtype);
  for (int dim : shape)
    bytes *= static_cast<std::size_t>(dim);
  const auto header = static_cast<std::size_t>(cpu_buffer_header_bytes());
  if (bytes == 0 || offset < header || offset > file->size() || bytes > file->size() - offset ||
      reinterpret_cast<std::uintptr_t>(base + offset) % mx::size_of(dtype) != 0)
    return std::nullopt;
  mx::allocator::Buffer buffer(base + offset - header);
  // The tensor's last `header` bytes stay mapped: they are the next tensor's size field.
  const std::size_t unmapped = bytes > header ? bytes - header : 0;
  mx::allocator::Data data(
      buffer, [file, offset, unmapped](mx::allocator::Buffer) { file->unmap(offset, unmapped); });
  return mx::array(std::move(data), shape, dtype);
}

}  // namespace mlxocr
