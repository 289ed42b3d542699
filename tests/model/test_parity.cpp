// Parity of the forward pass with transformers on the tiny reference checkpoints that
// tools/reference/make_model_fixtures.py writes (ENGINEERING.md §3).
#include <gtest/gtest.h>

#include <mlx/io.h>

#include "model/model.h"
#include "model_chain.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::fixtures;
using testing::max_abs;
using testing::max_abs_diff;
using testing::model_fixture;

struct Reference {
  mx::array pixel_values, decoder_input_ids, encoder_last_hidden_state, logits;
};

Reference load_reference(const std::string& variant) {
  auto [tensors, metadata] =
      mx::load_safetensors((fixtures() / "reference" / (variant + ".safetensors")).string());
  return {tensors.at("pixel_values"), mx::astype(tensors.at("decoder_input_ids"), mx::int32),
          tensors.at("encoder_last_hidden_state"), tensors.at("logits")};
}

// The fp32 contract of ENGINEERING.md §3: 1e-4 of the scale of the values compared, at least 1
// (inside, the layer-normed hidden states that the roundings are relative to are of order 1 even
// where the outputs are smaller). PyTorch and we sum in different orders, so the contract must
// be above the two orders' rounding bound for the chain that computes the values
// (float_tolerance.h): checked here, so that a fixture too deep or too wide for the contract is
// reported as that, not as a failure on some CPU.
float tolerance(const mx::array& reference, double roundings) {
  const double scale = std::max(1.0f, max_abs(reference));
  EXPECT_LE(testing::order_bound(roundings, scale), 1e-4 * scale)
      << "the parity contract is below float32's rounding for a chain of " << roundings
      << " roundings";
  return static_cast<float>(1e-4 * scale);
}

class ParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParityTest, EncoderHiddenStateAndTeacherForcedLogits) {
  const std::string variant = GetParam();
  const Reference ref = load_reference(variant);
  const TrOCRModel model = load_model(model_fixture(variant));

  const mx::array encoded = model.encode(ref.pixel_values);
  ASSERT_EQ(encoded.shape(), ref.encoder_last_hidden_state.shape());
  const float encoder_diff = max_abs_diff(encoded, ref.encoder_last_hidden_state);
  EXPECT_LE(encoder_diff, tolerance(ref.encoder_last_hidden_state,
                                    testing::encoder_chain(model.config.encoder).forward));

  const mx::array logits = model.logits(ref.pixel_values, ref.decoder_input_ids);
  ASSERT_EQ(logits.shape(), ref.logits.shape());
  const float logits_diff = max_abs_diff(logits, ref.logits);
  const int length = ref.decoder_input_ids.shape(1);
  EXPECT_LE(logits_diff, tolerance(ref.logits, testing::model_chain(model.config, length).forward));
  std::cout << "[parity] " << variant << ": encoder max-abs " << encoder_diff << " (scale "
            << max_abs(ref.encoder_last_hidden_state) << "), logits max-abs " << logits_diff
            << " (scale " << max_abs(ref.logits) << ")\n";
}

// The cached one-token-at-a-time path must give the teacher-forced logits of the reference.
TEST_P(ParityTest, CachedStepsMatchTeacherForcedReference) {
  const std::string variant = GetParam();
  const Reference ref = load_reference(variant);
  const TrOCRModel model = load_model(model_fixture(variant));
  const mx::array states = model.decoder_inputs(model.encode(ref.pixel_values));
  const int length = ref.decoder_input_ids.shape(1);
  DecoderCache cache = model.decoder.start_cache(states, length);
  // One token, then a block of three (exercises the causal offset), then one at a time.
  std::vector<std::pair<int, int>> chunks = {{0, 1}, {1, 4}};
  for (int t = 4; t < length; ++t)
    chunks.push_back({t, t + 1});
  const int batch = ref.decoder_input_ids.shape(0);
  for (auto [begin, end] : chunks) {
    const mx::array ids = mx::slice(ref.decoder_input_ids, {0, begin}, {batch, end});
    const mx::array step_logits = model.decoder.forward(ids, cache);
    const mx::array expected =
        mx::slice(ref.logits, {0, begin, 0}, {batch, end, ref.logits.shape(2)});
    EXPECT_LE(max_abs_diff(step_logits, expected),
              tolerance(ref.logits, testing::model_chain(model.config, length).forward))
        << variant << " tokens [" << begin << ", " << end << ")";
  }
  EXPECT_EQ(cache.length, length);
}

INSTANTIATE_TEST_SUITE_P(Variants, ParityTest, ::testing::ValuesIn(testing::kModelVariants),
                         testing::VariantName());

}  // namespace
}  // namespace mlxocr
