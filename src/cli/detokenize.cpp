// mlxocr detokenize: token ids -> text, as transformers' tokenizer.decode.
#include <charconv>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "io/model_resolver.h"
#include "mlxocr/error.h"
#include "text/tokenizer.h"

namespace mlxocr::cli {

namespace {

int parse_id(std::string_view word) {
  int id = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), id);
  if (ec != std::errc() || end != word.data() + word.size()) {
    throw UsageError("\"" + std::string(word) + "\" is not a token id");
  }
  return id;
}

// The id lists the user gave: a JSON array (as `mlxocr tokenize` prints it: [0,5,2] or
// [[0,5,2],[0,7,2]]), or plain ids separated by spaces or commas.
std::vector<std::vector<int>> parse_id_lists(const std::vector<std::string>& args) {
  std::string joined;
  for (const std::string& a : args)
    joined += a + " ";
  const size_t first = joined.find_first_not_of(" \t\n");
  if (first != std::string::npos && joined[first] == '[') {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(joined);
    } catch (const nlohmann::json::exception& e) {
      throw UsageError("the ids are not a valid JSON array (" + std::string(e.what()) + ")");
    }
    auto as_ids = [](const nlohmann::json& list) {
      std::vector<int> ids;
      for (const auto& v : list) {
        if (!v.is_number_integer() || v.get<long long>() < INT32_MIN ||
            v.get<long long>() > INT32_MAX) {
          throw UsageError("expected a list of integer token ids, found " + v.dump());
        }
        ids.push_back(v.get<int>());
      }
      return ids;
    };
    if (!doc.is_array()) throw UsageError("expected a JSON array of token ids");
    if (!doc.empty() && doc[0].is_array()) {
      std::vector<std::vector<int>> lists;
      for (const auto& list : doc) {
        if (!list.is_array()) throw UsageError("expected a JSON array of arrays of token ids");
        lists.push_back(as_ids(list));
      }
      return lists;
    }
    return {as_ids(doc)};
  }
  std::vector<int> ids;
  size_t pos = 0;
  while (pos < joined.size()) {
    const size_t start = joined.find_first_not_of(" ,\t\n", pos);
    if (start == std::string::npos) break;
    const size_t end = std::min(joined.find_first_of(" ,\t\n", start), joined.size());
    ids.push_back(parse_id(std::string_view(joined).substr(start, end - start)));
    pos = end;
  }
  return {ids};
}

}  // namespace

Action add_detokenize(CLI::App& app) {
  struct Options {
    std::string model;
    bool keep_special_tokens = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "detokenize",
      "Turn token ids back into text with a model's tokenizer (as transformers does)");
  sub->description(
      "mlxocr detokenize --model DIR [--keep-special-tokens] [--json] ID...\n\n"
      "Turn token ids back into text with a model's tokenizer, exactly as transformers'\n"
      "tokenizer.decode(ids, skip_special_tokens=True) does, with the clean-up of spaces the\n"
      "tokenizer is configured for. The output is always valid UTF-8: a character cut in half by\n"
      "the last id prints as U+FFFD, as in Python.");
  sub->footer(
      "The ids may be given one by one, separated by commas, or as the JSON that\n"
      "`mlxocr tokenize` prints; an array of arrays decodes one text per line.\n"
      "Examples:\n"
      "  mlxocr detokenize --model ./trocr-base-handwritten 0 31414 232 2\n"
      "    Hello world\n"
      "  mlxocr detokenize --model ./trocr-base-handwritten --keep-special-tokens "
      "\"[0,31414,232,2]\"\n"
      "    <s>Hello world</s>");
  sub->add_option("-m,--model", options->model,
                  "Model: a folder (Hugging Face or converted), or a hub id org/name[@revision] "
                  "(from the Hugging Face cache, downloaded when absent)")
      ->required();
  sub->add_flag("--keep-special-tokens", options->keep_special_tokens,
                "Print special tokens such as <s> and </s> (skip_special_tokens=False)");
  sub->add_flag("--json", options->json,
                "Print each text as a JSON string (exact: shows trailing spaces and newlines)");
  sub->allow_extras();  // the ids, verbatim: see tokenize.cpp
  return [options, sub] {
    const auto lists = parse_id_lists(verbatim_arguments(*sub, "ID"));
    const auto tokenizer = load_tokenizer(resolve_model(options->model));
    for (const auto& ids : lists) {
      const std::string text = tokenizer->decode(ids, !options->keep_special_tokens);
      std::cout << (options->json ? nlohmann::json(text).dump() : text) << "\n";
    }
    return 0;
  };
}

}  // namespace mlxocr::cli
