// `mlxocr tokenize` and `mlxocr detokenize` on the fixtures, compared with expected.json.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "text/tokenizer_fixtures.h"

using mlxocr::testing::read_expected;
using mlxocr::testing::tokenizer_fixture;
using nlohmann::json;

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct CliRun {
  int status = -1;
  std::string output;
};

// Runs the mlxocr binary with `args` (already quoted); stdout, and stderr when asked.
CliRun run_cli(const std::string& args, bool with_stderr = false) {
  const std::string command =
      shell_quote(MLXOCR_CLI_PATH) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  CliRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Lines the shell passes through unchanged and the CLI takes as text ("--x" would be an option).
std::vector<json> cli_lines(const json& expected) {
  std::vector<json> lines;
  for (const json& line : expected["lines"]) {
    const std::string text = line["text"].get<std::string>();
    if (text.rfind("--", 0) == 0 || text.find('\0') != std::string::npos) continue;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST(CliTokenize, MatchesExpected) {
  for (const std::string name : {"roberta-bpe", "xlmr-spm"}) {
    const json expected = read_expected(name);
    const std::string model = "--model " + shell_quote(tokenizer_fixture(name).string());
    const std::vector<json> lines = cli_lines(expected);
    ASSERT_GT(lines.size(), 300u);

    // All lines in one call: a JSON array of arrays, with and without special tokens.
    std::string texts;
    for (const json& line : lines) {
      texts += ' ';
      texts += shell_quote(line["text"].get<std::string>());
    }
    CliRun with = run_cli("tokenize " + model + texts);
    ASSERT_EQ(with.status, 0) << name;
    const json ids = json::parse(with.output);
    CliRun without = run_cli("tokenize " + model + " --no-special-tokens" + texts);
    ASSERT_EQ(without.status, 0) << name;
    const json plain = json::parse(without.output);
    ASSERT_EQ(ids.size(), lines.size());
    ASSERT_EQ(plain.size(), lines.size());
    int same = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      const json& want = lines[i]["ids"];
      json want_plain = lines[i].contains("ids_no_special")
                            ? lines[i]["ids_no_special"]
                            : json(std::vector<int>(want.begin() + 1, want.end() - 1));
      EXPECT_EQ(ids[i], want) << name << ": " << lines[i]["text"];
      EXPECT_EQ(plain[i], want_plain) << name << ": " << lines[i]["text"];
      same += ids[i] == want && plain[i] == want_plain;
    }
    // One text: one array.
    CliRun single =
        run_cli("tokenize " + model + " " + shell_quote(lines[0]["text"].get<std::string>()));
    EXPECT_EQ(json::parse(single.output), lines[0]["ids"]);

    // Decoding, fed back the way a user would: the JSON tokenize printed.
    CliRun decoded = run_cli("detokenize " + model + " --json " + shell_quote(with.output));
    CliRun kept = run_cli("detokenize " + model + " --json --keep-special-tokens " +
                          shell_quote(with.output));
    ASSERT_EQ(decoded.status, 0);
    ASSERT_EQ(kept.status, 0);
    std::vector<json> decoded_lines, kept_lines;
    for (const auto& [run, out] : {std::pair{&decoded, &decoded_lines}, {&kept, &kept_lines}}) {
      size_t pos = 0;
      while (pos < run->output.size()) {
        const size_t end = run->output.find('\n', pos);
        out->push_back(json::parse(run->output.substr(pos, end - pos)));
        pos = end + 1;
      }
    }
    ASSERT_EQ(decoded_lines.size(), lines.size());
    ASSERT_EQ(kept_lines.size(), lines.size());
    int decoded_same = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(decoded_lines[i], lines[i]["decoded"][0]) << name << ": " << lines[i]["text"];
      EXPECT_EQ(kept_lines[i], lines[i]["decoded"][1]) << name << ": " << lines[i]["text"];
      decoded_same +=
          decoded_lines[i] == lines[i]["decoded"][0] && kept_lines[i] == lines[i]["decoded"][1];
    }
    // Plain ids, one by one.
    CliRun plain_ids = run_cli("detokenize " + model + " 0 , 2");
    EXPECT_EQ(plain_ids.status, 0);
    EXPECT_EQ(plain_ids.output, "\n");
    std::cout << "[ cli      ] " << name << ": " << same << "/" << lines.size()
              << " tokenize identical, " << decoded_same << "/" << lines.size()
              << " detokenize identical" << std::endl;
  }
}

TEST(CliTokenize, ErrorsAreOneLine) {
  const auto fixture = tokenizer_fixture("roberta-bpe");
  // Exit 2 for a user's error (bad arguments, a missing folder), 1 for a bad tokenizer or id.
  auto expect_error = [](const std::string& args, const std::string& needle, int code) {
    CliRun run = run_cli(args, true);
    EXPECT_EQ(run.status, code) << args << "\n" << run.output;
    EXPECT_EQ(run.output.rfind("mlxocr: error: ", 0), 0u) << run.output;
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    EXPECT_NE(run.output.find(needle), std::string::npos) << run.output;
  };
  expect_error("tokenize --model /nonexistent/model hello", "/nonexistent/model", 2);
  expect_error("tokenize --model " + shell_quote(fixture.parent_path().string()) + " hello",
               "no tokenizer files", 1);
  expect_error("detokenize --model " + shell_quote(fixture.string()) + " 0 99999 2", "99999", 1);
  expect_error("detokenize --model " + shell_quote(fixture.string()) + " 0 x 2", "\"x\"", 2);
  expect_error("detokenize --model " + shell_quote(fixture.string()) + " '[0, 1'", "JSON", 2);
  expect_error("tokenize --model " + shell_quote(fixture.string()) + " --no-special-token x",
               "--no-special-token", 2);
  expect_error("tokenize --model " + shell_quote(fixture.string()), "TEXT", 2);
}

// "--" ends the options: what follows is text even when it looks like an option, or is "--".
TEST(CliTokenize, DoubleDashEndsOptions) {
  for (const std::string name : {"roberta-bpe", "xlmr-spm"}) {
    const json expected = read_expected(name);
    const std::string model = "--model " + shell_quote(tokenizer_fixture(name).string());
    std::vector<json> dashed;
    for (const json& line : expected["lines"]) {
      if (line["text"].get<std::string>().rfind("--", 0) == 0) dashed.push_back(line);
    }
    ASSERT_FALSE(dashed.empty()) << name << ": the fixture has no line starting with --";
    const json& line = dashed.front();
    const std::string text = shell_quote(line["text"].get<std::string>());

    CliRun one = run_cli("tokenize " + model + " -- " + text);
    ASSERT_EQ(one.status, 0) << name;
    EXPECT_EQ(json::parse(one.output), line["ids"]) << name;
    // Options before "--" still count; after it even "--no-special-tokens" is text.
    CliRun two = run_cli("tokenize " + model + " --no-special-tokens -- " + text + " " + text);
    ASSERT_EQ(two.status, 0) << name;
    const json ids = json::parse(two.output);
    ASSERT_EQ(ids.size(), 2u);
    json inner = line["ids"];
    inner.erase(inner.begin());
    inner.erase(inner.end() - 1);
    EXPECT_EQ(ids[0], inner) << name;
    CliRun flag_text = run_cli("tokenize " + model + " -- --no-special-tokens");
    ASSERT_EQ(flag_text.status, 0) << name;
    EXPECT_EQ(json::parse(flag_text.output).front(), line["ids"].front()) << "kept <s>";
    // Without "--" a text starting with "--" is still taken for a mistyped option (exit 2).
    EXPECT_EQ(run_cli("tokenize " + model + " " + text).status, 2) << name;
    // detokenize takes "--" too.
    CliRun back = run_cli("detokenize " + model + " -- " + shell_quote(line["ids"].dump()));
    ASSERT_EQ(back.status, 0) << name;
    EXPECT_EQ(back.output, line["decoded"][0].get<std::string>() + "\n") << name;
  }
}
