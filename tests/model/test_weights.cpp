// The model refuses checkpoints that do not fit config.json, naming every tensor at fault.
#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "io/torch_checkpoint.h"
#include "mlxocr/error.h"
#include "model/model.h"
#include "test_support.h"

namespace mlxocr {
namespace {

using testing::fixture_tensors;

std::string checkpoint_error(const ModelConfig& config, TensorMap tensors) {
  try {
    build_model(config, std::move(tensors), "ckpt");
  } catch (const CheckpointError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a CheckpointError";
  return "";
}

TEST(Weights, MissingAndMisshapedTensorsAreAllNamed) {
  const ModelConfig config = load_model_config(testing::model_fixture("vit-trocr"));
  TensorMap tensors = fixture_tensors("vit-trocr");
  tensors.erase("encoder.encoder.layer.1.attention.attention.query.weight");
  tensors.erase("decoder.output_projection.weight");
  tensors.insert_or_assign("decoder.model.decoder.layers.0.fc1.weight", mx::zeros({3, 3}));
  const std::string message = checkpoint_error(config, std::move(tensors));
  EXPECT_NE(message.find("2 missing tensor(s)"), std::string::npos) << message;
  EXPECT_NE(message.find("encoder.encoder.layer.1.attention.attention.query.weight [32, 32]"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("decoder.output_projection.weight [1000, 48]"), std::string::npos)
      << message;
  EXPECT_NE(message.find("decoder.model.decoder.layers.0.fc1.weight is [3, 3], expected [64, 48]"),
            std::string::npos)
      << message;
}

TEST(Weights, IntegerTensorWhereWeightsBelongIsRefused) {
  const ModelConfig config = load_model_config(testing::model_fixture("odd"));
  TensorMap tensors = fixture_tensors("odd");
  tensors.insert_or_assign("enc_to_dec_proj.bias", mx::zeros({40}, mx::int32));
  EXPECT_NE(
      checkpoint_error(config, std::move(tensors)).find("enc_to_dec_proj.bias has an integer"),
      std::string::npos);
}

TEST(Weights, UnexpectedTensorsAndMissingPoolerAreWarnings) {
  const ModelConfig config = load_model_config(testing::model_fixture("deit-trocr"));
  TensorMap tensors = fixture_tensors("deit-trocr");
  tensors.erase("encoder.pooler.dense.weight");
  tensors.erase("encoder.pooler.dense.bias");
  tensors.insert_or_assign("encoder.extra.weight", mx::zeros({2}));
  const TrOCRModel model = build_model(config, std::move(tensors), "ckpt");
  std::string all;
  for (const auto& w : model.warnings)
    all += w + "\n";
  EXPECT_NE(all.find("unexpected tensor 'encoder.extra.weight' [2] ignored"), std::string::npos)
      << all;
  EXPECT_NE(all.find("'encoder.pooler.dense.weight' is missing"), std::string::npos) << all;
}

// A tied model takes its output projection from the embeddings, as transformers re-ties on load.
TEST(Weights, TiedOutputProjectionIsTheEmbedding) {
  const TrOCRModel model = load_model(testing::model_fixture("odd"));
  EXPECT_EQ(testing::max_abs_diff(model.decoder.output_projection.weight,
                                  model.decoder.embed_tokens.weight),
            0.0f);
}

}  // namespace
}  // namespace mlxocr

namespace mlxocr {
namespace {

// transformers' save_pretrained (safetensors, tied copies dropped) and torch.save (tied tensors
// sharing one storage) of the same model must give the same tensors, bit for bit.
TEST(Weights, SafetensorsAndTorchBinOfOneModelAreIdentical) {
  for (const std::string variant : {"vit-trocr", "deit-trocr", "odd"}) {
    const auto dir = testing::model_fixture(variant);
    const TensorMap from_safetensors = load_safetensors(dir / "model.safetensors");
    const TensorMap from_bin = load_torch_checkpoint(dir / "pytorch_model.bin");
    for (const auto& [name, tensor] : from_safetensors) {
      ASSERT_TRUE(from_bin.count(name)) << variant << ": " << name;
      const mx::array& other = from_bin.at(name);
      ASSERT_EQ(tensor.shape(), other.shape()) << name;
      ASSERT_EQ(tensor.dtype(), other.dtype()) << name;
      EXPECT_TRUE(mx::array_equal(tensor, other).item<bool>()) << variant << ": " << name;
    }
    // The .bin also holds the tied copy safetensors leaves out; nothing else differs.
    for (const auto& [name, tensor] : from_bin) {
      if (!from_safetensors.count(name)) {
        EXPECT_EQ(name, "decoder.output_projection.weight") << variant;
      }
    }
    // And both build the same model.
    const ModelConfig config = load_model_config(dir);
    const TrOCRModel a = build_model(config, from_safetensors, "safetensors");
    const TrOCRModel b = build_model(config, from_bin, "bin");
    EXPECT_EQ(testing::max_abs_diff(a.decoder.output_projection.weight,
                                    b.decoder.output_projection.weight),
              0.0f);
  }
}

}  // namespace
}  // namespace mlxocr
