// Public ImageViews into the engine's RGB images.
#pragma once

#include <cstddef>
#include <cstdint>

#include "image/image.h"
#include "mlxocr/image_view.h"

namespace mlxocr {

// The RGB image load_image gives for a file holding the same pixels (gray replicated into R, G
// and B, alpha dropped). Throws ImageError naming "image INDEX" for a view that is not an image
// (no data, no pixels, channels other than 1, 3 or 4, a stride shorter than a row) and
// LimitError for more than `max_pixels` pixels, before anything is allocated.
RgbImage rgb_from_view(const ImageView& view, std::size_t index, std::uint64_t max_pixels);

}  // namespace mlxocr
