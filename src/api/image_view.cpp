#include "api/image_view.h"

#include <string>

#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"

namespace mlxocr {

namespace {

void check_view(const ImageView& view, const std::string& name, std::uint64_t max_pixels) {
  if (view.data == nullptr) throw ImageError(name + ": ImageView::data is null");
  if (view.width < 1 || view.height < 1) {
    throw ImageError(name + ": ImageView is " + std::to_string(view.width) + "x" +
                     std::to_string(view.height) + ", it has no pixels");
  }
  if (view.channels != 1 && view.channels != 3 && view.channels != 4) {
    throw ImageError(name + ": ImageView::channels is " + std::to_string(view.channels) +
                     "; expected 1 (gray), 3 (RGB) or 4 (RGBA)");
  }
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(view.width) * view.channels;
  if (view.stride != 0 && view.stride < row) {
    throw ImageError(name + ": ImageView::stride " + std::to_string(view.stride) +
                     " is shorter than a row of " + std::to_string(row) + " bytes");
  }
  const std::uint64_t pixels = std::uint64_t(view.width) * std::uint64_t(view.height);
  if (pixels > max_pixels) {
    throw LimitError(name, "",
                     std::to_string(view.width) + "x" + std::to_string(view.height) + " pixels",
                     std::to_string(max_pixels));
  }
}

}  // namespace

RgbImage rgb_from_view(const ImageView& view, std::size_t index, std::uint64_t max_pixels) {
  const std::string name = "image " + std::to_string(index);
  check_view(view, name, max_pixels);
  const int channels = view.channels;
  const std::ptrdiff_t stride =
      view.stride != 0 ? view.stride : static_cast<std::ptrdiff_t>(view.width) * channels;
  RgbImage image;
  image.width = view.width;
  image.height = view.height;
  image.pixels.resize(std::size_t(view.width) * std::size_t(view.height) * 3);
  std::uint8_t* out = image.pixels.data();
  for (int y = 0; y < view.height; ++y) {
    const std::uint8_t* p = view.data + y * stride;
    for (int x = 0; x < view.width; ++x, p += channels, out += 3) {
      out[0] = p[0];
      out[1] = channels == 1 ? p[0] : p[1];
      out[2] = channels == 1 ? p[0] : p[2];
    }
  }
  return image;
}

}  // namespace mlxocr
