// Parity of the image path with the reference (PIL 10.4 + transformers' ViTImageProcessor), on
// the real images of tests/fixtures/images: decoding to RGB, PIL's uint8 resize, and the final
// pixel_values. Expected values come only from tools/reference/make_image_fixtures.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "image/image.h"
#include "image/processor.h"
#include "image/resize.h"
#include "image_fixtures.h"
#include "mlxocr/error.h"

namespace mlxocr {
namespace {

using test::image_fixtures;
using test::image_index;
using test::npy_values;

// Row sums [3, H] and column sums [3, W] of a CHW float tensor, in double (exact here).
void chw_sums(const std::vector<float>& chw, int h, int w, std::vector<double>& rows,
              std::vector<double>& cols) {
  rows.assign(static_cast<size_t>(3) * h, 0.0);
  cols.assign(static_cast<size_t>(3) * w, 0.0);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const double v = chw[(static_cast<size_t>(c) * h + y) * w + x];
        rows[static_cast<size_t>(c) * h + y] += v;
        cols[static_cast<size_t>(c) * w + x] += v;
      }
    }
  }
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

TEST(ImageParity, FixtureSetIsComplete) {
  const auto& index = image_index();
  EXPECT_GE(index["images"].size(), 10u);
  EXPECT_GE(index["resize"].size(), 6u);
  EXPECT_EQ(index["versions"]["pillow"], "10.4.0");
  std::printf("reference: %s\n", index["versions"].dump().c_str());
}

TEST(ImageParity, DecodedRgbEqualsPilConvertRgb) {
  for (const auto& [name, entry] : image_index()["decoded"].items()) {
    SCOPED_TRACE(name);
    const RgbImage image = load_image(image_fixtures() / name);
    const auto& info = image_index()["images"][name];
    ASSERT_EQ(image.width, info["width"].get<int>());
    ASSERT_EQ(image.height, info["height"].get<int>());
    const int w = image.width, h = image.height;

    const auto rows = npy_values<uint8_t>(entry["rows_file"], "|u1");
    int max_diff = 0;
    size_t differing = 0;
    const auto row_indices = entry["rows"].get<std::vector<int>>();
    for (size_t r = 0; r < row_indices.size(); ++r) {
      const uint8_t* ours = &image.pixels[static_cast<size_t>(row_indices[r]) * w * 3];
      const uint8_t* ref = &rows[r * w * 3];
      for (int i = 0; i < w * 3; ++i) {
        const int d = std::abs(int(ours[i]) - int(ref[i]));
        max_diff = std::max(max_diff, d);
        differing += d != 0;
      }
    }
    const auto row_sums = npy_values<uint32_t>(entry["row_sums_file"], "<u4");
    const auto col_sums = npy_values<uint32_t>(entry["col_sums_file"], "<u4");
    std::vector<uint32_t> our_rows(static_cast<size_t>(3) * h),
        our_cols(static_cast<size_t>(3) * w);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          const uint8_t v = image.pixels[(static_cast<size_t>(y) * w + x) * 3 + c];
          our_rows[static_cast<size_t>(c) * h + y] += v;
          our_cols[static_cast<size_t>(c) * w + x] += v;
        }
      }
    }
    std::printf(
        "decoded %-24s %4dx%-4d %s  sampled rows: max |diff| %d (%zu bytes differ); "
        "row/column sums %s\n",
        name.c_str(), w, h, info["pil_mode"].get<std::string>().c_str(), max_diff, differing,
        our_rows == row_sums && our_cols == col_sums ? "equal" : "DIFFER");
    EXPECT_EQ(max_diff, 0);
    EXPECT_EQ(our_rows, row_sums);
    EXPECT_EQ(our_cols, col_sums);
  }
}

TEST(ImageParity, ResizeEqualsPilBytes) {
  for (const auto& c : image_index()["resize"]) {
    const std::string image_name = c["image"];
    const int width = c["width"], height = c["height"], resample = c["resample"];
    SCOPED_TRACE(image_name + " -> " + std::to_string(width) + "x" + std::to_string(height) + " " +
                 pil_resample_name(resample));
    const RgbImage source = load_image(image_fixtures() / image_name);
    const RgbImage ours =
        resize_like_pil(source, width, height, resample, test::recorded_pillow_order());
    std::vector<int64_t> shape;
    const auto ref = npy_values<uint8_t>(c["file"], "|u1", &shape);
    ASSERT_EQ(shape, (std::vector<int64_t>{height, width, 3}));
    ASSERT_EQ(ours.width, width);
    ASSERT_EQ(ours.height, height);
    size_t differing = 0;
    for (size_t i = 0; i < ref.size(); ++i)
      differing += ours.pixels[i] != ref[i];
    EXPECT_EQ(differing, 0u);
  }
}

TEST(ImageParity, PixelValuesMatchTrOCRProcessor) {
  double worst = 0;
  for (const auto& e : image_index()["pixel_values"]) {
    const std::string config_name = e["config"], image_name = e["image"];
    SCOPED_TRACE(config_name + " / " + image_name);
    const auto config_dir = image_fixtures() / image_index()["configs"][config_name]["dir"];
    ImageProcessorConfig config = load_image_processor_config(config_dir);
    config.resize_order = test::recorded_pillow_order();
    const ImageProcessor processor(config);
    const RgbImage image = load_image(image_fixtures() / image_name);
    const std::vector<float> ours = processor.preprocess(image);
    const auto shape = e["shape"].get<std::vector<int>>();
    const int h = shape[1], w = shape[2];
    ASSERT_EQ(ours.size(), static_cast<size_t>(3) * h * w);

    double max_abs = 0;
    std::string compared;
    if (e.contains("file")) {
      const auto ref = npy_values<float>(e["file"], "<f4");
      ASSERT_EQ(ref.size(), ours.size());
      for (size_t i = 0; i < ref.size(); ++i) {
        max_abs = std::max(max_abs, static_cast<double>(std::abs(ours[i] - ref[i])));
      }
      compared = "whole tensor";
    } else {
      const auto rows = e["rows"].get<std::vector<int>>();
      const auto ref_rows = npy_values<float>(e["rows_file"], "<f4");
      for (int c = 0; c < 3; ++c) {
        for (size_t r = 0; r < rows.size(); ++r) {
          for (int x = 0; x < w; ++x) {
            const float a = ours[(static_cast<size_t>(c) * h + rows[r]) * w + x];
            const float b = ref_rows[(static_cast<size_t>(c) * rows.size() + r) * w + x];
            max_abs = std::max(max_abs, static_cast<double>(std::abs(a - b)));
          }
        }
      }
      std::vector<double> our_rows, our_cols;
      chw_sums(ours, h, w, our_rows, our_cols);
      const double sums =
          std::max(max_abs_diff(our_rows, npy_values<double>(e["row_sums_file"], "<f8")),
                   max_abs_diff(our_cols, npy_values<double>(e["col_sums_file"], "<f8")));
      // Sums of float32 values in [-3, 3] over <= 384 terms are exact in double.
      EXPECT_LE(sums, 1e-9) << "row/column sums differ: some pixel outside the sampled rows";
      char buf[96];
      std::snprintf(buf, sizeof buf, "%zu rows + all row/col sums (sums |diff| %.1e)", rows.size(),
                    sums);
      compared = buf;
    }
    std::printf("pixel_values %-14s %-24s [3,%d,%d] max |ours - ref| = %.3g  (%s)\n",
                config_name.c_str(), image_name.c_str(), h, w, max_abs, compared.c_str());
    EXPECT_LE(max_abs, 1e-6);
    worst = std::max(worst, max_abs);
  }
  std::printf("worst max-abs over all images and configs: %.3g\n", worst);
}

TEST(ImageProcessor, BatchStacksPreprocessedImages) {
  ImageProcessorConfig config;
  config.height = 32;
  config.width = 96;
  config.resample = kPilBicubic;
  const ImageProcessor processor(config);
  std::vector<RgbImage> images = {load_image(image_fixtures() / "table_rgb.png"),
                                  load_image(image_fixtures() / "photo_gray.jpg"),
                                  load_image(image_fixtures() / "tall_narrow.png")};
  mx::array batch = processor.batch(images);
  ASSERT_EQ(batch.shape(), (mx::Shape{3, 3, 32, 96}));
  ASSERT_EQ(batch.dtype(), mx::float32);
  batch.eval();
  const float* data = batch.data<float>();
  for (size_t b = 0; b < images.size(); ++b) {
    const std::vector<float> one = processor.preprocess(images[b]);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), data + b * one.size())) << "image " << b;
  }
}

TEST(ImageProcessor, NoResizeKeepsSizeAndRefusesMixedBatches) {
  ImageProcessorConfig config;
  config.do_resize = false;
  const ImageProcessor processor(config);
  const RgbImage small = load_image(image_fixtures() / "small_96x32.png");
  EXPECT_EQ(processor.preprocess(small).size(), 3u * 32 * 96);
  EXPECT_EQ(processor.batch({small, small}).shape(), (mx::Shape{2, 3, 32, 96}));
  const RgbImage other = load_image(image_fixtures() / "tall_narrow.png");
  EXPECT_THROW(processor.batch({small, other}), UsageError);
  EXPECT_THROW(processor.batch({}), UsageError);
}

TEST(Resize, ValidatesArguments) {
  RgbImage image{2, 2, std::vector<uint8_t>(12, 7)};
  EXPECT_THROW(resize_like_pil(image, 0, 5, kPilBilinear), UsageError);
  EXPECT_THROW(resize_like_pil(image, 5, 5, 6), UsageError);
  RgbImage broken{3, 3, std::vector<uint8_t>(5)};
  EXPECT_THROW(resize_like_pil(broken, 5, 5, kPilBilinear), UsageError);
  // Same size: a copy, whatever the filter.
  EXPECT_EQ(resize_like_pil(image, 2, 2, kPilLanczos).pixels, image.pixels);
}

}  // namespace
}  // namespace mlxocr
