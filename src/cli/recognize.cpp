// mlxocr recognize --model M IMAGE...: each image is one text line.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "io/model_resolver.h"
#include "pipeline/recognizer.h"

namespace mlxocr::cli {

namespace {

struct RecognizeArgs {
  std::string model;
  std::vector<std::string> images;
  int max_new_tokens = 0;  // 0: the model's default (see help)
  int min_new_tokens = 0;
  int batch_size = 8;
  std::string format = "text";
};

nlohmann::json to_json(const RecognizedLine& line) {
  nlohmann::json j = {{"image", line.source}};
  if (!line.error.empty()) {
    j["error"] = line.error;
    return j;
  }
  j["text"] = line.text;
  j["confidence"] = line.confidence;
  j["finished"] = line.finished;
  j["token_ids"] = line.token_ids;
  j["token_logprobs"] = line.token_logprobs;
  return j;
}

int run(const RecognizeArgs& args) {
  const std::filesystem::path model_dir = resolve_model(args.model);
  const Recognizer recognizer(model_dir);
  GreedyOptions options;
  options.max_new_tokens = args.max_new_tokens > 0
                               ? args.max_new_tokens
                               : default_max_new_tokens(model_dir, recognizer.model().config);
  options.min_new_tokens = args.min_new_tokens;
  std::vector<std::filesystem::path> files(args.images.begin(), args.images.end());
  const auto lines = recognizer.recognize(files, options, args.batch_size);

  int failures = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& line : lines) {
    if (!line.error.empty()) {
      ++failures;
      std::cerr << "mlxocr: error: " << line.error << "\n";
    }
    if (args.format == "json") {
      all.push_back(to_json(line));
    } else if (line.error.empty()) {
      std::cout << (files.size() > 1 ? line.source + "\t" : "") << line.text << "\n";
    }
  }
  if (args.format == "json") std::cout << all.dump(2) << "\n";
  return failures ? 1 : 0;
}

}  // namespace

Action add_recognize(CLI::App& app) {
  auto* cmd = app.add_subcommand("recognize", "Read one text line from each image");
  auto args = std::make_shared<RecognizeArgs>();
  cmd->add_option("--model,-m", args->model,
                  "Model folder (Hugging Face layout or mlxocr convert output), or a hub id "
                  "org/name[@revision]")
      ->required();
  cmd->add_option("IMAGE", args->images, "Image files; each is one text line")->required();
  cmd->add_option("--max-new-tokens", args->max_new_tokens,
                  "Most tokens to generate per line. Default: the checkpoint's generation_config,\n"
                  "except that an old max_length <= 20 (which cuts long fields) becomes 128;\n"
                  "never more than the decoder's max_position_embeddings - 1")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-new-tokens", args->min_new_tokens,
                  "EOS is forbidden before this many tokens")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-size", args->batch_size, "Images decoded together")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--format", args->format,
                  "text: one line per image; json: text, confidence, tokens")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->footer(
      "Decoding is greedy, as transformers' generate(num_beams=1, do_sample=False); a batch gives\n"
      "each image the same tokens as decoding it alone. confidence = exp(mean log-probability of\n"
      "the generated tokens, EOS included). An unreadable image is reported on stderr and the\n"
      "others are still read; the exit code is then 1.\n\n"
      "Example:\n  mlxocr recognize --model tests/fixtures/models/vit-trocr --format json "
      "line.png");
  return [args] { return run(*args); };
}

}  // namespace mlxocr::cli
