// generation_config.json beside a valid config.json: transformers' precedence rules, the
// conversion to our GenerationConfig and its validation against the model.
#include <filesystem>

#include "fuzz_support.h"
#include "generate/generation_config.h"
#include "model/config.h"

namespace {

// The vit-trocr fixture's config.json, copied once into the scratch folder.
const mlxocr::ModelConfig& fixture_model() {
  static const mlxocr::ModelConfig model = [] {
    std::filesystem::copy_file(MLXOCR_FIXTURES_DIR "/models/vit-trocr/config.json",
                               mlxocr::fuzz::scratch_dir() / "config.json",
                               std::filesystem::copy_options::overwrite_existing);
    return mlxocr::load_model_config(mlxocr::fuzz::scratch_dir());
  }();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mlxocr;
  const ModelConfig& model = fixture_model();
  fuzz::write_scratch("generation_config.json", fuzz::as_view(data, size));
  fuzz::expect_only_mlxocr_errors([&] {
    const GenerationConfig config = load_generation_config(fuzz::scratch_dir(), model);
    validate_generation_config(config, model);
  });
  return 0;
}
