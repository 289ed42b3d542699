#include "cli/option_flags.h"

#include <array>
#include <string_view>
#include <utility>

namespace mlxocr::cli {

namespace {

// Field -> flag, longest field first so that no field is replaced inside a longer one.
constexpr std::array kFlags = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"PipelineOptions::max_box_width_fraction", "--max-box-width"},
    {"TrainOptions::distributed_backend", "--distributed-backend"},
    {"GenerationOptions::max_new_tokens", "--max-new-tokens"},
    {"PipelineOptions::dropout = false", "--no-dropout"},
    {"TrainOptions::adamw.weight_decay", "--weight-decay"},
    {"PipelineOptions::max_new_tokens", "--max-new-tokens"},
    {"PipelineOptions::min_box_height", "--min-box-height"},
    {"PipelineOptions::min_confidence", "--min-confidence"},
    {"TrainOptions::max_target_length", "--max-target-length"},
    {"PipelineOptions::min_box_width", "--min-box-width"},
    {"PipelineOptions::template_file", "--template"},
    {"TrainOptions::eval_batch_size", "--eval-batch-size"},
    {"TrainOptions::label_smoothing", "--label-smoothing"},
    {"TrainOptions::freeze_encoder", "--freeze-encoder"},
    {"GenerationOptions::num_beams", "--num-beams"},
    {"PipelineOptions::batch_size", "--batch-size"},
    {"PipelineOptions::blank_file", "--blank"},
    {"PipelineOptions::brightness", "--brightness"},
    {"PipelineOptions::max_pixels", "--max-pixels"},
    {"TrainOptions::token_dropout", "--token-dropout"},
    {"PipelineOptions::green_max", "--green-max"},
    {"PipelineOptions::num_beams", "--num-beams"},
    {"TrainOptions::warmup_steps", "--warmup-steps"},
    {"ConvertOptions::group_size", "--group-size"},
    {"PipelineOptions::blue_max", "--blue-max"},
    {"PipelineOptions::contrast", "--contrast"},
    {"BenchOptions::new_tokens", "--new-tokens"},
    {"BenchOptions::quantize_encoder", "--quantize-encoder"},
    {"BenchOptions::quantize_bits", "--quantize"},
    {"BenchOptions::batch_sizes", "--batch-sizes"},
    {"EvalOptions::worst_count", "--worst"},
    {"BenchOptions::num_beams", "--num-beams"},
    {"PipelineOptions::red_min", "--red-min"},
    {"TrainOptions::batch_size", "--batch-size"},
    {"TrainOptions::ctc_weight", "--ctc-weight"},
    {"TrainOptions::eval_every", "--eval-every"},
    {"TrainOptions::grad_accum", "--grad-accum"},
    {"TrainOptions::save_every", "--save-every"},
    {"EvalOptions::batch_size", "--batch-size"},
    {"PipelineOptions::models", "--model"},
    {"TrainOptions::grad_clip", "--grad-clip"},
    {"TrainOptions::keep_last", "--keep-last"},
    {"TrainOptions::max_steps", "--max-steps"},
    {"TrainOptions::overwrite", "--overwrite"},
    {"ConvertOptions::output", "--output"},
    {"PipelineOptions::align", "--align"},
    {"PipelineOptions::inset", "--inset"},
    {"PipelineOptions::pages", "--pages"},
    {"TrainOptions::adamw.lr", "--lr"},
    {"BenchOptions::threads", "--threads"},
    {"ConvertOptions::force", "--force"},
    {"ConvertOptions::dtype", "--dtype"},
    {"BenchOptions::images", "--images"},
    {"BenchOptions::warmup", "--warmup"},
    {"ConvertOptions::base", "--base"},
    {"ConvertOptions::bits", "--quantize"},
    {"PipelineOptions::dpi", "--dpi"},
    {"TrainOptions::epochs", "--epochs"},
    {"TrainOptions::output", "-o"},
    {"TrainOptions::resume", "--resume"},
    {"BenchOptions::model", "--model"},
    {"TrainOptions::model", "--model"},
    {"BenchOptions::arch", "--arch"},
    {"BenchOptions::runs", "--runs"},
});

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9');
}

}  // namespace

std::string with_flag_names(const std::string& message) {
  std::string out = message;
  for (const auto& [field, flag] : kFlags) {
    for (size_t at = out.find(field); at != std::string::npos; at = out.find(field, at)) {
      const size_t end = at + field.size();
      if (end < out.size() && is_name_char(out[end])) {
        at = end;  // a longer field that starts the same way
        continue;
      }
      out.replace(at, field.size(), flag);
      at += flag.size();
    }
  }
  return out;
}

}  // namespace mlxocr::cli
