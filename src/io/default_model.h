// The bundled default model: what `mlxocr ocr`, `recognize` and `eval` read with when no --model
// is given (models/mlxocr-fields-tiny, trained by tools/default_model/ on synthetic form fields).
#pragma once

#include <filesystem>

namespace mlxocr {

// The default model's folder: $MLXOCR_DEFAULT_MODEL when set, else the copy in the source tree
// this binary was built from. Throws UsageError naming the place looked at when it is missing
// (a moved binary, a deleted folder), with what to do instead.
std::filesystem::path default_model_dir();

}  // namespace mlxocr
