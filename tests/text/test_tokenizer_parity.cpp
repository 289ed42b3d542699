// Parity with transformers: every line recorded by tools/reference/make_tokenizer_fixtures.py
// encodes to the same ids and decodes to the same text.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "mlxocr/error.h"
#include "text/tokenizer.h"
#include "text/tokenizer_fixtures.h"
#include "text/unicode.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace mlxocr;
using mlxocr::testing::read_expected;
using mlxocr::testing::ScratchDir;
using mlxocr::testing::tokenizer_fixture;

namespace {

struct Tally {
  int same = 0, total = 0;
  void add(bool ok) { same += ok, ++total; }
  std::string str() const { return std::to_string(same) + "/" + std::to_string(total); }
};

bool valid_utf8(const std::string& s) {
  return unicode::find_invalid_utf8(s) == unicode::kValid;
}

// Checks decode() under both clean-up settings against a record {"decoded": [skip, keep],
// "decoded_other_cleanup": [skip, keep] (only where it differs)}.
bool decodes_as_recorded(Tokenizer& tokenizer, const std::vector<int>& ids, const json& record,
                         bool configured_cleanup, const std::string& context) {
  bool ok = true;
  const json& other = record.contains("decoded_other_cleanup") ? record["decoded_other_cleanup"]
                                                               : record["decoded"];
  for (bool cleanup : {configured_cleanup, !configured_cleanup}) {
    tokenizer.set_clean_up_tokenization_spaces(cleanup);
    const json& expected = cleanup == configured_cleanup ? record["decoded"] : other;
    for (int k = 0; k < 2; ++k) {
      const bool skip = k == 0;
      const std::string got = tokenizer.decode(ids, skip);
      EXPECT_TRUE(valid_utf8(got)) << context;
      const std::string want = expected[k].get<std::string>();
      if (got != want) {
        ok = false;
        ADD_FAILURE() << context << ": decode(skip_special_tokens=" << skip
                      << ", clean_up=" << cleanup << ")\n  got:  " << json(got).dump()
                      << "\n  want: " << json(want).dump();
      }
    }
  }
  tokenizer.set_clean_up_tokenization_spaces(configured_cleanup);
  return ok;
}

struct Report {
  Tally encode, encode_plain, decode, prefixes, randoms;
};

// Compares a tokenizer with everything expected.json records; prints the agreement counts.
Report check_tokenizer(Tokenizer& tokenizer, const json& expected, const std::string& label) {
  EXPECT_EQ(tokenizer.kind(), expected["kind"].get<std::string>()) << label;
  EXPECT_EQ(tokenizer.vocab_size(), expected["vocab_size"].get<int>()) << label;
  const json& special = expected["special_ids"];
  const SpecialTokenIds& ids = tokenizer.special_token_ids();
  EXPECT_EQ(ids.bos, special["bos"].get<int>()) << label;
  EXPECT_EQ(ids.eos, special["eos"].get<int>()) << label;
  EXPECT_EQ(ids.pad, special["pad"].get<int>()) << label;
  EXPECT_EQ(ids.unk, special["unk"].get<int>()) << label;
  EXPECT_EQ(ids.cls, special["cls"].get<int>()) << label;
  EXPECT_EQ(ids.sep, special["sep"].get<int>()) << label;
  EXPECT_EQ(ids.mask, special["mask"].get<int>()) << label;
  const bool cleanup = expected["clean_up_tokenization_spaces"].get<bool>();
  EXPECT_EQ(tokenizer.clean_up_tokenization_spaces(), cleanup) << label;

  Report r;
  for (const json& line : expected["lines"]) {
    const std::string text = line["text"].get<std::string>();
    const std::string context = label + ": " + json(text).dump();
    const auto want = line["ids"].get<std::vector<int>>();
    const auto got = tokenizer.encode(text);
    r.encode.add(got == want);
    EXPECT_EQ(got, want) << context;
    std::vector<int> want_plain;
    if (line.contains("ids_no_special")) {
      want_plain = line["ids_no_special"].get<std::vector<int>>();
    } else if (want.size() >= 2) {
      want_plain.assign(want.begin() + 1, want.end() - 1);
    }
    const auto got_plain = tokenizer.encode(text, false);
    r.encode_plain.add(got_plain == want_plain);
    EXPECT_EQ(got_plain, want_plain) << context << " (add_special_tokens=false)";
    r.decode.add(decodes_as_recorded(tokenizer, want, line, cleanup, context));
  }
  for (const json& record : expected["decode_prefixes"]) {
    const auto ids_ = record["ids"].get<std::vector<int>>();
    r.prefixes.add(decodes_as_recorded(tokenizer, ids_, record, cleanup,
                                       label + ": prefix " + record["ids"].dump()));
  }
  for (const json& record : expected["decode_random"]) {
    const auto ids_ = record["ids"].get<std::vector<int>>();
    r.randoms.add(decodes_as_recorded(tokenizer, ids_, record, cleanup,
                                      label + ": random ids " + record["ids"].dump()));
  }
  std::cout << "[ parity   ] " << label << ": " << r.encode.str() << " encode identical, "
            << r.encode_plain.str() << " encode without special tokens identical, "
            << r.decode.str() << " decode identical (skip/keep special tokens, both clean-ups), "
            << r.prefixes.str() << " cut-prefix decodes identical, " << r.randoms.str()
            << " random-id decodes identical" << std::endl;
  return r;
}

void print_reference(const json& expected, const std::string& name) {
  const json& other = expected["other_implementation"];
  std::cout << "[ parity   ] " << name << ": reference " << expected["reference"].get<std::string>()
            << " (transformers " << expected["versions"]["transformers"].get<std::string>() << "); "
            << other["name"].get<std::string>();
  if (other["encode_identical"].is_string()) {
    std::cout << " agrees on " << other["encode_identical"].get<std::string>() << " encodes, "
              << other["decode_identical"].get<std::string>() << " decodes";
  }
  std::cout << std::endl;
}

void expect_all_identical(const Report& r) {
  EXPECT_EQ(r.encode.same, r.encode.total);
  EXPECT_EQ(r.encode_plain.same, r.encode_plain.total);
  EXPECT_EQ(r.decode.same, r.decode.total);
  EXPECT_EQ(r.prefixes.same, r.prefixes.total);
  EXPECT_EQ(r.randoms.same, r.randoms.total);
  EXPECT_GE(r.encode.total, 300);  // "a few hundred real lines"
}

}  // namespace

TEST(TokenizerParity, RobertaByteLevelBpe) {
  const json expected = read_expected("roberta-bpe");
  print_reference(expected, "roberta-bpe");
  auto tokenizer = load_tokenizer(tokenizer_fixture("roberta-bpe"));
  expect_all_identical(check_tokenizer(*tokenizer, expected, "roberta-bpe"));
}

TEST(TokenizerParity, RobertaFromEitherFileSet) {
  // tokenizer.json alone, and vocab.json + merges.txt alone, with and without the two JSON files of
  // special tokens: the same tokenizer every time. Without tokenizer_config.json the clean-up
  // setting is transformers' default (false), so it is set to the recorded one for the check.
  const json expected = read_expected("roberta-bpe");
  const bool cleanup = expected["clean_up_tokenization_spaces"].get<bool>();
  ScratchDir scratch("tokenizer_subsets");
  const std::vector<std::string> config = {"tokenizer_config.json", "special_tokens_map.json"};
  struct Case {
    std::string name;
    std::vector<std::string> files;
  };
  const std::vector<Case> cases = {
      {"tokenizer.json + configs", {"tokenizer.json", config[0], config[1]}},
      {"vocab.json + merges.txt + configs", {"vocab.json", "merges.txt", config[0], config[1]}},
      {"tokenizer.json only", {"tokenizer.json"}},
      {"vocab.json + merges.txt only", {"vocab.json", "merges.txt"}},
  };
  int folder = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path dir =
        scratch.copy_fixture("roberta-bpe", "case" + std::to_string(folder++), c.files);
    auto tokenizer = load_tokenizer(dir);
    tokenizer->set_clean_up_tokenization_spaces(cleanup);
    json relaxed = expected;
    relaxed["clean_up_tokenization_spaces"] = tokenizer->clean_up_tokenization_spaces();
    expect_all_identical(check_tokenizer(*tokenizer, relaxed, "roberta-bpe (" + c.name + ")"));
  }
}

TEST(TokenizerParity, RobertaAddPrefixSpace) {
  // The fixture with add_prefix_space switched on, edited as the fixture script edits it.
  const json expected = read_expected("roberta-bpe");
  const json& variant = expected["add_prefix_space_variant"];
  ScratchDir scratch("tokenizer_prefix_space");
  const fs::path dir = scratch.copy_fixture("roberta-bpe", "variant",
                                            {"tokenizer.json", "vocab.json", "merges.txt",
                                             "tokenizer_config.json", "special_tokens_map.json"});
  json config = json::parse(mlxocr::testing::read_text(dir / "tokenizer_config.json"));
  config["add_prefix_space"] = true;
  mlxocr::testing::write_text(dir / "tokenizer_config.json", config.dump());
  json tj = json::parse(mlxocr::testing::read_text(dir / "tokenizer.json"));
  tj["pre_tokenizer"]["add_prefix_space"] = true;
  tj["post_processor"]["add_prefix_space"] = true;
  mlxocr::testing::write_text(dir / "tokenizer.json", tj.dump());

  auto tokenizer = load_tokenizer(dir);
  Tally tally;
  const json& lines = expected["lines"];
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i]["text"].get<std::string>();
    const auto want = variant["ids"][i].get<std::vector<int>>();
    const auto got = tokenizer->encode(text);
    tally.add(got == want);
    EXPECT_EQ(got, want) << json(text).dump();
  }
  std::cout << "[ parity   ] roberta-bpe, add_prefix_space=true: " << tally.str()
            << " encode identical (RobertaTokenizerFast; the slow RobertaTokenizer agrees on "
            << variant["slow_identical"].get<std::string>() << ")" << std::endl;
  EXPECT_EQ(tally.same, tally.total);
}

TEST(TokenizerParity, XlmrSentencePiece) {
  const json expected = read_expected("xlmr-spm");
  print_reference(expected, "xlmr-spm");
  auto tokenizer = load_tokenizer(tokenizer_fixture("xlmr-spm"));
  expect_all_identical(check_tokenizer(*tokenizer, expected, "xlmr-spm"));
}

TEST(TokenizerParity, DecodedPrefixesAreValidUtf8) {
  // Every prefix of every recorded id sequence decodes to valid UTF-8 (a cut character becomes
  // U+FFFD, never a broken byte sequence).
  for (const std::string name : {"roberta-bpe", "xlmr-spm"}) {
    auto tokenizer = load_tokenizer(tokenizer_fixture(name));
    int checked = 0;
    const json expected = read_expected(name);
    for (const json& line : expected["lines"]) {
      const auto ids = line["ids"].get<std::vector<int>>();
      for (size_t k = 0; k <= ids.size(); ++k) {
        const std::vector<int> prefix(ids.begin(), ids.begin() + k);
        for (bool skip : {true, false}) {
          ASSERT_TRUE(valid_utf8(tokenizer->decode(prefix, skip))) << name << " " << json(prefix);
          ++checked;
        }
      }
    }
    std::cout << "[ utf-8    ] " << name << ": " << checked << " prefix decodes, all valid UTF-8"
              << std::endl;
  }
}
