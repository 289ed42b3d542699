// An image_size that is not a multiple of patch_size: ViT's patch embedding is a Conv2d whose
// kernel and stride are the patch, so the rows and columns past the last whole patch are never
// read. transformers accepts such a config; so does mlxocr, reading the same pixels.
#include <gtest/gtest.h>

#include "model/model.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::fixture_tensors;

TrOCRModel vit_trocr_with_image_size(int side) {
  nlohmann::json json = testing::read_json(testing::model_fixture("vit-trocr") / "config.json");
  json["encoder"]["image_size"] = side;
  return build_model(parse_model_config(json, "config.json"), fixture_tensors("vit-trocr"),
                     "vit-trocr");
}

TEST(PatchGrid, PixelsPastTheLastWholePatchAreNotRead) {
  // 36 = 4 patches of 8 and 4 pixels over: the same 4x4 grid, so the same weights, as 32.
  const TrOCRModel uneven = vit_trocr_with_image_size(36);
  const TrOCRModel even = vit_trocr_with_image_size(32);
  ASSERT_EQ(uneven.config.encoder.num_patches(), even.config.encoder.num_patches());
  const mx::array pixels =
      mx::random::uniform(-1.0f, 1.0f, {2, 3, 36, 36}, mx::float32, mx::random::key(7));
  const mx::array covered = mx::slice(pixels, {0, 0, 0, 0}, {2, 3, 32, 32});
  const mx::array got = uneven.encode(pixels);
  ASSERT_EQ(got.shape(), even.encode(covered).shape());
  // Same inputs, same operations: equal up to the order a BLAS may sum in.
  const float tolerance = 1e-5f * testing::max_abs(got);
  EXPECT_LE(testing::max_abs_diff(got, even.encode(covered)), tolerance);
  // The strip does not reach the result: changing it changes nothing.
  const mx::array strip_changed = mx::concatenate({covered, mx::zeros({2, 3, 32, 4})}, 3);
  const mx::array padded = mx::concatenate({strip_changed, mx::ones({2, 3, 4, 36})}, 2);
  EXPECT_LE(testing::max_abs_diff(uneven.encode(padded), got), tolerance);
}

}  // namespace
}  // namespace mlxocr
