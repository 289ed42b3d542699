// Greedy decoding gives generate()'s tokens on the reference checkpoints, batched or alone.
#include <gtest/gtest.h>

#include <mlx/io.h>

#include "generate/generate.h"
#include "model_chain.h"
#include "test_support.h"

namespace mlxocr {
namespace {

struct GreedyReference {
  mx::array pixel_values;
  std::vector<std::vector<int>> sequences;  // without generate()'s padding after EOS
  int max_new_tokens;
};

GreedyReference load_greedy_reference(const std::string& variant, int pad, int eos) {
  auto tensors = mx::load_safetensors(
                     (testing::fixtures() / "reference" / (variant + ".safetensors")).string())
                     .first;
  mx::array seqs = mx::astype(tensors.at("greedy_sequences"), mx::int32);
  mx::eval(seqs);
  GreedyReference ref{tensors.at("pixel_values"), {}, seqs.shape(1) - 1};
  const int* data = seqs.data<int>();
  for (int r = 0; r < seqs.shape(0); ++r) {
    std::vector<int> row;
    for (int t = 0; t < seqs.shape(1); ++t) {
      const int token = data[r * seqs.shape(1) + t];
      if (t > 0 && token == pad && row.back() == eos) break;
      row.push_back(token);
    }
    ref.sequences.push_back(row);
  }
  return ref;
}

class GreedyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GreedyTest, BatchedTokensEqualGenerate) {
  const TrOCRModel model = load_model(testing::model_fixture(GetParam()));
  const auto ref =
      load_greedy_reference(GetParam(), model.config.pad_token_id, model.config.eos_token_id);
  const auto out = greedy_generate(model, ref.pixel_values, {.max_new_tokens = ref.max_new_tokens});
  ASSERT_EQ(out.size(), ref.sequences.size());
  for (size_t r = 0; r < out.size(); ++r) {
    EXPECT_EQ(out[r].tokens, ref.sequences[r]) << "row " << r;
    EXPECT_EQ(out[r].finished, out[r].tokens.back() == model.config.eos_token_id);
    EXPECT_EQ(out[r].token_logprobs.size(), out[r].tokens.size() - 1);
    for (float lp : out[r].token_logprobs)
      EXPECT_LE(lp, 0.0f);
  }
}

TEST_P(GreedyTest, EachRowAloneEqualsItsBatchedResult) {
  const TrOCRModel model = load_model(testing::model_fixture(GetParam()));
  const auto ref =
      load_greedy_reference(GetParam(), model.config.pad_token_id, model.config.eos_token_id);
  const GenerationConfig options{.max_new_tokens = ref.max_new_tokens};
  const auto batched = greedy_generate(model, ref.pixel_values, options);
  const auto& shape = ref.pixel_values.shape();
  for (int r = 0; r < shape[0]; ++r) {
    const mx::array one =
        mx::slice(ref.pixel_values, {r, 0, 0, 0}, {r + 1, shape[1], shape[2], shape[3]});
    const auto alone = greedy_generate(model, one, options);
    EXPECT_EQ(alone[0].tokens, batched[r].tokens) << "row " << r;
    const double bound = testing::logprob_bound(model, one, alone[0].tokens);
    for (size_t t = 0; t < alone[0].token_logprobs.size(); ++t) {
      EXPECT_NEAR(alone[0].token_logprobs[t], batched[r].token_logprobs[t], bound);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, GreedyTest, ::testing::ValuesIn(testing::kModelVariants),
                         testing::VariantName());

}  // namespace
}  // namespace mlxocr
