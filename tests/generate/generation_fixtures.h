// The records of tools/reference/make_generation_fixtures.py: transformers' generate() outputs for
// every setting and image of a variant, and the pixel values of those images.
#pragma once

#include <mlx/mlx.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image/image.h"
#include "image/processor.h"
#include "test_support.h"

namespace mlxocr::testing {

struct GenerationRecord {
  std::string image;
  std::vector<std::vector<int>> sequences;  // generated ids, no start token, EOS kept
  std::vector<std::vector<float>> token_logprobs;
  std::vector<float> sequence_scores;  // beams only
  std::string dropped;                 // why this result proves nothing (a near-tie), or empty
};

struct GenerationSetting {
  std::string name;
  nlohmann::json generate_kwargs;
  std::vector<GenerationRecord> results;  // one per image, in the order of `images`
};

struct GenerationFixture {
  std::vector<std::string> images;  // relative to tests/fixtures
  std::vector<GenerationSetting> settings;
};

inline GenerationFixture load_generation_fixture(const std::string& variant) {
  std::ifstream in(fixtures() / "generation" / (variant + ".json"));
  const auto j = nlohmann::json::parse(in);
  GenerationFixture fixture;
  fixture.images = j.at("images").get<std::vector<std::string>>();
  for (const auto& s : j.at("settings")) {
    GenerationSetting setting{s.at("name"), s.at("generate_kwargs"), {}};
    for (const auto& r : s.at("results")) {
      GenerationRecord record;
      record.image = r.at("image");
      record.sequences = r.at("sequences").get<std::vector<std::vector<int>>>();
      record.token_logprobs = r.at("token_logprobs").get<std::vector<std::vector<float>>>();
      if (r.contains("sequence_scores")) {
        record.sequence_scores = r.at("sequence_scores").get<std::vector<float>>();
      }
      if (r.contains("dropped")) record.dropped = r.at("dropped");
      setting.results.push_back(std::move(record));
    }
    fixture.settings.push_back(std::move(setting));
  }
  return fixture;
}

// Pixel values [N, C, H, W] of the fixture's images through the model's own processor.
inline mx::array fixture_pixels(const std::string& variant,
                                const std::vector<std::string>& images) {
  const ImageProcessor processor(load_image_processor_config(model_fixture(variant)));
  std::vector<RgbImage> loaded;
  for (const auto& image : images)
    loaded.push_back(load_image(fixtures() / image));
  return processor.batch(loaded);
}

// Row `index` of a pixel batch, as a batch of one.
inline mx::array pixel_row(const mx::array& pixels, int index) {
  const auto& s = pixels.shape();
  return mx::slice(pixels, {index, 0, 0, 0}, {index + 1, s[1], s[2], s[3]});
}

}  // namespace mlxocr::testing
