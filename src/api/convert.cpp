// mlxocr::convert (include/mlxocr/convert.h): convert/convert.h's conversion, reported in the
// public struct.
#include "mlxocr/convert.h"

#include "convert/convert.h"
#include "model/config.h"

namespace mlxocr {

ConvertResult convert(const ConvertOptions& options) {
  const Conversion c = convert_model(options);
  ConvertResult r;
  r.output = c.output;
  r.dtype = c.format.dtype;
  if (const auto& q = c.format.quantization) {
    r.bits = q->bits;
    r.group_size = q->group_size;
    r.quantized_encoder = q->encoder;
  }
  r.quantized_layers = c.quantization.quantized;
  r.skipped_layers = c.quantization.skipped;
  r.copied_files = c.copied_files;
  r.warnings = c.warnings;
  r.source_weight_bytes = c.source_weight_bytes;
  r.output_weight_bytes = c.output_weight_bytes;
  r.format_json = converted_format_json(c.format).dump();
  return r;
}

}  // namespace mlxocr
