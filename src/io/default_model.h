// The bundled default model: what `mlxocr ocr`, `recognize` and `eval` read with when no --model
// is given (models/mlxocr-fields-tiny, trained by tools/default_model/ on synthetic form fields).
#pragma once

#include <filesystem>

namespace mlxocr {

// Where the bundled model is looked for, in order: $MLXOCR_DEFAULT_MODEL when set; the copy
// installed beside the running code (`cmake --install`: PREFIX/share/mlxocr/models/, found from
// libmlxocr.so's folder or the executable's, /proc/self/exe, each PREFIX/lib or PREFIX/bin); else
// the copy in the source tree this binary was built from. The first that exists, or the last.
std::filesystem::path bundled_model_dir();

// bundled_model_dir(), checked: throws UsageError naming the place looked at when it has no
// config.json (a moved binary, a deleted folder), with what to do instead.
std::filesystem::path default_model_dir();

}  // namespace mlxocr
