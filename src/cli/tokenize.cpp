// mlxocr tokenize: text -> token ids, as transformers' tokenizer(text).input_ids.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "io/model_resolver.h"
#include "text/tokenizer.h"

namespace mlxocr::cli {

Action add_tokenize(CLI::App& app) {
  struct Options {
    std::string model;
    bool no_special_tokens = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "tokenize", "Turn text into token ids with a model's tokenizer (as transformers does)");
  sub->description(
      "mlxocr tokenize --model DIR [--no-special-tokens] TEXT...\n\n"
      "Turn text into token ids with a model's tokenizer, exactly as transformers'\n"
      "tokenizer(text).input_ids does: byte-level BPE (trocr-base-*: vocab.json + merges.txt or\n"
      "tokenizer.json) or SentencePiece in the XLM-R layout (trocr-small-*: "
      "sentencepiece.bpe.model).\n"
      "Prints the ids as JSON: one array for one text, an array of arrays for several.");
  sub->footer(
      "Examples:\n"
      "  mlxocr tokenize --model ./trocr-base-handwritten \"Hello world\"\n"
      "    [0,31414,232,2]\n"
      "  mlxocr tokenize --model ./trocr-small-printed --no-special-tokens \"first\" \"second\"\n"
      "    (prints [[...],[...]], one array per text)\n"
      "A TEXT may start with '-'; one that starts with \"--\" goes after \"--\", which ends the "
      "options:\n"
      "  mlxocr tokenize --model DIR -- --flag-like text");
  sub->add_option("-m,--model", options->model,
                  "Model: a folder (Hugging Face or converted), or a hub id org/name[@revision] "
                  "(from the Hugging Face cache, downloaded when absent)")
      ->required();
  sub->add_flag("--no-special-tokens", options->no_special_tokens,
                "Leave out <s> and </s> around each text (add_special_tokens=False)");
  // The texts are taken verbatim from the extra arguments: a declared positional option would
  // split a text such as "[a, b]" at its commas (CLI11's list syntax).
  sub->allow_extras();
  return [options, sub] {
    const std::vector<std::string> texts = verbatim_arguments(*sub, "TEXT");
    const auto tokenizer = load_tokenizer(resolve_model(options->model));
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& text : texts) {
      out.push_back(tokenizer->encode(text, !options->no_special_tokens));
    }
    std::cout << (texts.size() == 1 ? out[0] : out).dump() << "\n";
    return 0;
  };
}

}  // namespace mlxocr::cli
