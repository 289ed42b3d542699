// A re-implementation of Pillow's resampling for 8-bit images. Every arithmetic step mirrors
// Pillow's C so that the output bytes agree: coefficient maths in double with the same
// operation order, the same rounding to fixed point, the same accumulator start and clipping.
#include "image/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "mlxocr/error.h"

// Pillow's x86-64 builds do not fuse multiply-adds; neither may we, or a coefficient can land
// one fixed-point step away. (GCC in ISO C++ mode does not contract by default.)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

namespace mlxocr {

namespace {

// 8 bits of result, 2 bits of headroom for negative lobes and sums above 1, in an int32.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Filter {
  double (*weight)(double x);
  double support;
};

double box_weight(double x) {
  return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
}

double bilinear_weight(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_weight(double x) {
  if (x < 0.0) x = -x;
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * std::numbers::pi;
  // Pillow writes the window constants as floats (0.54f, 0.46f); keep their float values.
  return std::sin(x) / x * (static_cast<double>(0.54f) + static_cast<double>(0.46f) * std::cos(x));
}

double bicubic_weight(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * std::numbers::pi;
  return std::sin(x) / x;
}

double lanczos_weight(double x) {
  if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3);
  return 0.0;
}

Filter filter_for(int resample) {
  switch (resample) {
    case kPilBox:
      return {box_weight, 0.5};
    case kPilBilinear:
      return {bilinear_weight, 1.0};
    case kPilHamming:
      return {hamming_weight, 1.0};
    case kPilBicubic:
      return {bicubic_weight, 2.0};
    case kPilLanczos:
      return {lanczos_weight, 3.0};
    default:
      throw UsageError("unsupported resampling filter " + std::to_string(resample) +
                       " (expected 0..5: nearest, lanczos, bilinear, bicubic, box, hamming)");
  }
}

// For each output position along one axis: the first input index, the number of inputs, and
// `taps` fixed-point weights (row `out * taps` of `weights`).
struct AxisWeights {
  int taps = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc. `in_begin`/`in_end` are the source box
// edges as floats, as Pillow receives them.
AxisWeights axis_weights(int in_size, float in_begin, float in_end, int out_size,
                         const Filter& filter) {
  const double scale = static_cast<double>(in_end - in_begin) / out_size;
  const double filter_scale = scale < 1.0 ? 1.0 : scale;
  const double support = filter.support * filter_scale;
  AxisWeights axis;
  axis.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  axis.first.resize(out_size);
  axis.count.resize(out_size);
  axis.weights.assign(static_cast<size_t>(out_size) * axis.taps, 0);
  std::vector<double> k(axis.taps);
  for (int out = 0; out < out_size; ++out) {
    const double center = in_begin + (out + 0.5) * scale;
    const double inv_scale = 1.0 / filter_scale;
    int lo = static_cast<int>(center - support + 0.5);
    if (lo < 0) lo = 0;
    int hi = static_cast<int>(center + support + 0.5);
    if (hi > in_size) hi = in_size;
    const int n = hi - lo;
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const double w = filter.weight((i + lo - center + 0.5) * inv_scale);
      k[i] = w;
      sum += w;
    }
    for (int i = 0; i < n; ++i) {
      if (sum != 0.0) k[i] /= sum;
    }
    int32_t* fixed = &axis.weights[static_cast<size_t>(out) * axis.taps];
    for (int i = 0; i < n; ++i) {
      const double scaled = k[i] * (1 << kPrecisionBits);
      fixed[i] = static_cast<int32_t>(k[i] < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    axis.first[out] = lo;
    axis.count[out] = n;
  }
  return axis;
}

inline uint8_t clip8(int32_t acc) {
  const int32_t v = acc >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Rows [row_begin, row_begin + out.height) of `in`, resampled horizontally to out.width.
void resample_horizontal(const RgbImage& in, int row_begin, const AxisWeights& axis,
                         RgbImage& out) {
  for (int y = 0; y < out.height; ++y) {
    const uint8_t* src = &in.pixels[static_cast<size_t>(y + row_begin) * in.width * 3];
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * out.width * 3];
    for (int x = 0; x < out.width; ++x) {
      const int32_t* k = &axis.weights[static_cast<size_t>(x) * axis.taps];
      const uint8_t* s = src + static_cast<size_t>(axis.first[x]) * 3;
      int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int i = 0; i < axis.count[x]; ++i) {
        r += s[i * 3 + 0] * k[i];
        g += s[i * 3 + 1] * k[i];
        b += s[i * 3 + 2] * k[i];
      }
      dst[x * 3 + 0] = clip8(r);
      dst[x * 3 + 1] = clip8(g);
      dst[x * 3 + 2] = clip8(b);
    }
  }
}

// Columns [column_begin, column_begin + out.width) of `in`, resampled vertically to out.height.
void resample_vertical(const RgbImage& in, int column_begin, const AxisWeights& axis,
                       RgbImage& out) {
  const size_t in_row_bytes = static_cast<size_t>(in.width) * 3;
  const size_t row_bytes = static_cast<size_t>(out.width) * 3;
  const size_t column_offset = static_cast<size_t>(column_begin) * 3;
  std::vector<int32_t> acc(row_bytes);
  for (int y = 0; y < out.height; ++y) {
    const int32_t* k = &axis.weights[static_cast<size_t>(y) * axis.taps];
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    // Row by row for cache locality; integer sums are exact, so the order does not matter.
    for (int i = 0; i < axis.count[y]; ++i) {
      const uint8_t* src =
          &in.pixels[static_cast<size_t>(axis.first[y] + i) * in_row_bytes + column_offset];
      const int32_t w = k[i];
      for (size_t j = 0; j < row_bytes; ++j)
        acc[j] += src[j] * w;
    }
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * row_bytes];
    for (size_t j = 0; j < row_bytes; ++j)
      dst[j] = clip8(acc[j]);
  }
}

RgbImage blank(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.assign(static_cast<size_t>(width) * height * 3, 0);
  return image;
}

// Pillow's ImagingResampleInner for the box (0, 0, in.width, in.height). Each pass rounds to 8
// bits, so which runs first changes the result; the first pass only computes the rows (columns)
// the second one reads.
RgbImage resample_convolution(const RgbImage& in, int width, int height, int resample,
                              PillowResizeOrder order) {
  const Filter filter = filter_for(resample);
  const bool need_horizontal = width != in.width;
  const bool need_vertical = height != in.height;
  AxisWeights horizontal =
      axis_weights(in.width, 0.0f, static_cast<float>(in.width), width, filter);
  AxisWeights vertical =
      axis_weights(in.height, 0.0f, static_cast<float>(in.height), height, filter);
  // Pillow 13 (Resample.c): "If height is being scaled down more than twice the amount the width
  // is, run the vertical pass first" -- amounts in pixels, so an enlarged width counts negative.
  const int height_cut = in.height - height, width_cut = in.width - width;
  const bool vertical_first =
      order == PillowResizeOrder::kPillow13 && height_cut > 0 && height_cut > width_cut * 2;

  if (vertical_first && need_vertical) {
    // Only the source columns the horizontal pass reads go through the vertical pass.
    const int first_column = need_horizontal ? horizontal.first.front() : 0;
    const int end_column =
        need_horizontal ? horizontal.first.back() + horizontal.count.back() : in.width;
    for (int& column : horizontal.first)
      column -= first_column;
    RgbImage vertical_out = blank(end_column - first_column, height);
    resample_vertical(in, first_column, vertical, vertical_out);
    if (!need_horizontal) return vertical_out;
    RgbImage out = blank(width, height);
    resample_horizontal(vertical_out, 0, horizontal, out);
    return out;
  }

  // Only the source rows the vertical pass reads go through the horizontal pass.
  const int first_row = vertical.first.front();
  const int end_row = vertical.first.back() + vertical.count.back();
  RgbImage horizontal_out;
  const RgbImage* source = &in;
  if (need_horizontal) {
    for (int& row : vertical.first)
      row -= first_row;
    horizontal_out = blank(width, end_row - first_row);
    resample_horizontal(in, first_row, horizontal, horizontal_out);
    source = &horizontal_out;
  }
  if (need_vertical) {
    RgbImage out = blank(source->width, height);
    resample_vertical(*source, 0, vertical, out);
    return out;
  }
  return need_horizontal ? horizontal_out : in;
}

// Pillow's NEAREST: ImagingScaleAffine with a = (w_in/w_out, 0, 0, 0, h_in/h_out, 0). Source
// positions accumulate in double exactly as Pillow's loop does; positions that fall outside
// the source (possible only through accumulated rounding) stay black, as in Pillow.
RgbImage resample_nearest(const RgbImage& in, int width, int height) {
  const double step_x = static_cast<double>(static_cast<float>(in.width) - 0.0f) / width;
  const double step_y = static_cast<double>(static_cast<float>(in.height) - 0.0f) / height;
  auto coord = [](double v) { return v < 0.0 ? -1 : static_cast<int>(v); };

  std::vector<int> source_x(width, -1);
  double xo = 0.0 + step_x * 0.5;
  for (int x = 0; x < width; ++x) {
    const int xin = coord(xo);
    if (xin >= 0 && xin < in.width) source_x[x] = xin;
    xo += step_x;
  }
  RgbImage out = blank(width, height);
  double yo = 0.0 + step_y * 0.5;
  for (int y = 0; y < height; ++y) {
    const int yin = coord(yo);
    if (yin >= 0 && yin < in.height) {
      const uint8_t* src = &in.pixels[static_cast<size_t>(yin) * in.width * 3];
      uint8_t* dst = &out.pixels[static_cast<size_t>(y) * width * 3];
      for (int x = 0; x < width; ++x) {
        if (source_x[x] < 0) continue;
        std::copy_n(src + static_cast<size_t>(source_x[x]) * 3, 3,
                    dst + static_cast<size_t>(x) * 3);
      }
    }
    yo += step_y;
  }
  return out;
}

}  // namespace

const char* pil_resample_name(int resample) {
  switch (resample) {
    case kPilNearest:
      return "nearest";
    case kPilLanczos:
      return "lanczos";
    case kPilBilinear:
      return "bilinear";
    case kPilBicubic:
      return "bicubic";
    case kPilBox:
      return "box";
    case kPilHamming:
      return "hamming";
    default:
      return "unknown";
  }
}

const char* pillow_resize_order_name(PillowResizeOrder order) {
  return order == PillowResizeOrder::kPillow12 ? "12" : "13";
}

std::optional<PillowResizeOrder> parse_pillow_resize_order(std::string_view text) {
  if (text.rfind("pillow", 0) == 0) text.remove_prefix(6);
  if (text == "12") return PillowResizeOrder::kPillow12;
  if (text == "13") return PillowResizeOrder::kPillow13;
  return std::nullopt;
}

RgbImage resize_like_pil(const RgbImage& image, int width, int height, int resample,
                         PillowResizeOrder order) {
  if (width <= 0 || height <= 0) {
    throw UsageError("resize: target size " + std::to_string(width) + "x" + std::to_string(height) +
                     " must be positive");
  }
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw UsageError("resize: the source image is empty or its pixel buffer does not match " +
                     std::to_string(image.width) + "x" + std::to_string(image.height) + " RGB");
  }
  if (resample != kPilNearest) (void)filter_for(resample);  // validate before any work
  if (width == image.width && height == image.height) return image;
  if (resample == kPilNearest) return resample_nearest(image, width, height);
  return resample_convolution(image, width, height, resample, order);
}

}  // namespace mlxocr
