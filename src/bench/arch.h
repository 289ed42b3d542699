// The model shapes `mlxocr bench --arch` measures without downloading anything: the configs of
// microsoft/trocr-base-handwritten and microsoft/trocr-small-handwritten (bench/configs/, compiled
// in), filled with seeded random weights named as a Hugging Face checkpoint names them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/tensor_map.h"
#include "model/config.h"

namespace mlxocr {

// "trocr-base", "trocr-small".
std::vector<std::string> builtin_arch_names();

// The config.json of a built-in architecture; UsageError naming the known ones otherwise.
nlohmann::json builtin_arch_config(const std::string& name);

// Every tensor a VisionEncoderDecoder checkpoint of `config` holds (pooler included), named as
// transformers saves them: normal(0, 0.02) weights drawn from `seed`, layer norms at 1 and 0,
// biases 0. What build_model takes, so the random model goes through the real loading path.
TensorMap random_checkpoint(const ModelConfig& config, std::uint64_t seed);

}  // namespace mlxocr
