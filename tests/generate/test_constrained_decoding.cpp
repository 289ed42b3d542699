// Constrained decoding is exact, proven against brute force on the tiny vit-trocr fixture.
//
// What "exact" means for each search (docs/forms.md):
//   greedy: at every step the token chosen is the most probable among those the type allows
//     (a token that keeps the text a valid prefix; EOS once the text matches whole; EOS alone
//     when nothing else fits). The oracle walks the model's log-probabilities itself and checks
//     validity with std::regex, so it shares no code with the mask.
//   beam search: with length_penalty 0 (scores are sums of log-probabilities) and enough beams
//     that no valid continuation is ever dropped, the result is the best-scoring of ALL valid
//     sequences of at most max_new_tokens tokens: those ending in EOS with a matching text, and
//     those stopped at max_new_tokens with a valid prefix. The oracle enumerates them all. The mask
//     is applied before beam search's top-k, so an invalid candidate can never take a valid one's
//     place; with fewer beams the search is as approximate as beam search is, over valid text only.
#include <gtest/gtest.h>

#include <mlx/io.h>
#include <mlx/ops.h>

#include <map>
#include <memory>
#include <regex>

#include "generate/decoding.h"
#include "generate/generate.h"
#include "generate/token_constraint.h"
#include "model/layers.h"
#include "model_chain.h"
#include "test_support.h"
#include "text/tokenizer.h"

namespace mlxocr {
namespace {

constexpr int kMaxNewTokens = 4;

struct Fixture {
  TrOCRModel model;
  std::unique_ptr<Tokenizer> tokenizer;
  mx::array pixel_values;  // [2, 3, H, W]
  std::shared_ptr<const std::vector<std::string>> texts;
  int start = 0, eos = 0;
};

Fixture& fixture() {
  static Fixture* f = [] {
    const auto dir = testing::model_fixture("vit-trocr");
    auto tensors =
        mx::load_safetensors((testing::fixtures() / "reference" / "vit-trocr.safetensors").string())
            .first;
    mx::array pixels =
        mx::slice(tensors.at("pixel_values"), {0, 0, 0, 0},
                  {2, tensors.at("pixel_values").shape(1), tensors.at("pixel_values").shape(2),
                   tensors.at("pixel_values").shape(3)});
    auto* out = new Fixture{load_model(dir), load_tokenizer(dir), pixels, nullptr, 0, 0};
    const int vocab = out->model.config.decoder.vocab_size;
    auto texts = std::make_shared<std::vector<std::string>>(vocab);
    for (int id = 0; id < vocab && id < out->tokenizer->vocab_size(); ++id)
      (*texts)[id] = out->tokenizer->token_bytes(id);
    out->texts = texts;
    out->start = decoder_start_token({}, out->model.config);
    out->eos = eos_tokens({}, out->model.config).front();
    return out;
  }();
  return *f;
}

// The model's log-probabilities of the next token after `history` for image `image`, computed
// one token at a time through a fresh cache (no batching with anything else).
std::vector<float> next_logprobs(const Fixture& f, int image, const std::vector<int>& history) {
  const mx::array pixels = mx::slice(
      f.pixel_values, {image, 0, 0, 0},
      {image + 1, f.pixel_values.shape(1), f.pixel_values.shape(2), f.pixel_values.shape(3)});
  const mx::array states = f.model.decoder_inputs(f.model.encode(pixels));
  DecoderCache cache = f.model.decoder.start_cache(states, kMaxNewTokens + 2, true);
  mx::array logits = mx::array(0.0f);
  for (int token : history)
    logits = decoding::step_logits(f.model, {token}, cache);
  mx::array lp = log_softmax(logits);
  mx::eval(lp);
  return std::vector<float>(lp.data<float>(), lp.data<float>() + lp.size());
}

// The oracle's view of the type: tokens made only of the alphabet's characters, validity by
// std::regex (a prefix is valid when a completion of at most 3 characters matches).
struct Oracle {
  std::regex regex;
  std::string alphabet;
  std::vector<int> candidates;

  bool complete(const std::string& text) const { return std::regex_match(text, regex); }
  bool prefix(const std::string& text) const {
    std::vector<std::string> tails = {""};
    for (int n = 0; n < 3; ++n) {
      const size_t end = tails.size();
      for (size_t i = 0; i < end; ++i)
        for (const char c : alphabet)
          tails.push_back(tails[i] + c);
    }
    for (const std::string& t : tails)
      if (complete(text + t)) return true;
    return false;
  }
};

Oracle make_oracle(const Fixture& f, const std::string& pattern, const std::string& alphabet) {
  Oracle o{std::regex(pattern), alphabet, {}};
  for (size_t id = 0; id < f.texts->size(); ++id) {
    const std::string& t = (*f.texts)[id];
    if (!t.empty() && t.find_first_not_of(alphabet) == std::string::npos) {
      o.candidates.push_back(static_cast<int>(id));
    }
  }
  return o;
}

std::string text_of(const Fixture& f, const std::vector<int>& tokens) {
  std::string text;
  for (size_t i = 1; i < tokens.size(); ++i)
    if (tokens[i] != f.eos) text += (*f.texts)[tokens[i]];
  return text;
}

struct Scored {
  std::vector<int> tokens;
  double score = 0;
};

// Every valid sequence (see the file comment), scored by the sum of the model's log-probs.
void enumerate(const Fixture& f, const Oracle& o, int image, int max_new_tokens,
               std::vector<int> history, double score, std::vector<Scored>& out) {
  const std::vector<float> lp = next_logprobs(f, image, history);
  const std::string text = text_of(f, history);
  // The next token is the last one when the start token and max_new_tokens - 1 are there.
  const bool last = static_cast<int>(history.size()) == max_new_tokens;
  if (o.complete(text)) {
    std::vector<int> done = history;
    done.push_back(f.eos);
    out.push_back({done, score + lp[f.eos]});
  }
  for (int id : o.candidates) {
    if (!o.prefix(text + (*f.texts)[id])) continue;
    std::vector<int> next = history;
    next.push_back(id);
    if (last) {
      out.push_back({next, score + lp[id]});
    } else {
      enumerate(f, o, image, max_new_tokens, next, score + lp[id], out);
    }
  }
}

// The greedy walk among allowed tokens; returns its tokens.
std::vector<int> oracle_greedy(const Fixture& f, const Oracle& o, int image) {
  std::vector<int> history = {f.start};
  while (static_cast<int>(history.size()) <= kMaxNewTokens) {
    const std::vector<float> lp = next_logprobs(f, image, history);
    const std::string text = text_of(f, history);
    int best = -1;
    for (int id : o.candidates) {
      if (o.prefix(text + (*f.texts)[id]) && (best < 0 || lp[id] > lp[best])) best = id;
    }
    if (o.complete(text) && (best < 0 || lp[f.eos] > lp[best])) best = f.eos;
    if (best < 0) best = f.eos;  // a dead end: EOS alone
    history.push_back(best);
    if (best == f.eos) break;
  }
  return history;
}

double score_of(const Fixture& f, int image, const std::vector<int>& tokens) {
  double sum = 0;
  for (size_t i = 1; i < tokens.size(); ++i)
    sum += next_logprobs(f, image, {tokens.begin(), tokens.begin() + i})[tokens[i]];
  return sum;
}

struct Case {
  std::string pattern, alphabet;
};

class ConstrainedDecoding : public ::testing::TestWithParam<Case> {};

TEST_P(ConstrainedDecoding, GreedyTakesTheBestAllowedTokenAtEveryStep) {
  Fixture& f = fixture();
  const Oracle o = make_oracle(f, GetParam().pattern, GetParam().alphabet);
  ASSERT_GE(o.candidates.size(), 2u);
  TokenConstraint constraint(TextAutomaton(GetParam().pattern, "test", false), f.texts, {f.eos});
  GenerationConfig config;
  config.max_new_tokens = kMaxNewTokens;
  config.num_beams = 1;
  const auto free = generate(f.model, f.pixel_values, config);
  const auto constrained =
      generate(f.model, f.pixel_values, config, {}, {&constraint, &constraint});
  int changed = 0;
  for (int image = 0; image < 2; ++image) {
    const std::vector<int>& got = constrained[image].front().tokens;
    EXPECT_EQ(got, oracle_greedy(f, o, image)) << "image " << image;
    changed += free[image].front().tokens != got;
  }
  EXPECT_GT(changed, 0) << "the type never changed the reading: the test proves nothing";
}

TEST_P(ConstrainedDecoding, BeamSearchWithEnoughBeamsFindsTheBestValidSequence) {
  Fixture& f = fixture();
  const Oracle o = make_oracle(f, GetParam().pattern, GetParam().alphabet);
  TokenConstraint constraint(TextAutomaton(GetParam().pattern, "test", false), f.texts, {f.eos});
  std::vector<Scored> all;
  // Three tokens: with four, (et|tee)+ has 131 valid sequences, more than beams allowed (64).
  constexpr int kBeamMaxNewTokens = 3;
  enumerate(f, o, 0, kBeamMaxNewTokens, {f.start}, 0.0, all);
  ASSERT_FALSE(all.empty());
  ASSERT_LT(all.size(), 64u);
  // More beams than valid sequences: every valid continuation of every step has a beam (each is
  // a prefix of a different valid sequence, or one itself; no prefix here is a dead end).
  GenerationConfig config;
  config.max_new_tokens = kBeamMaxNewTokens;
  config.num_beams = static_cast<int>(all.size()) + 1;
  config.length_penalty = 0.0;
  const auto constrained = generate(f.model, f.pixel_values, config, {}, {&constraint, nullptr});
  const Scored* best = &all.front();
  for (const Scored& s : all)
    if (s.score > best->score) best = &s;
  const std::vector<int>& got = constrained[0].front().tokens;
  if (got != best->tokens) {  // only a tie within rounding may differ
    EXPECT_NEAR(score_of(f, 0, got), best->score, 1e-4);
  }
  EXPECT_EQ(got, best->tokens);
  EXPECT_NEAR(*constrained[0].front().sequence_score, best->score, 1e-3);
  // Image 1 was unconstrained in the same batch: its result is that of a plain search.
  config.num_return_sequences = 1;
  const auto plain = generate(f.model, f.pixel_values, config);
  EXPECT_EQ(constrained[1].front().tokens, plain[1].front().tokens);
  EXPECT_NE(plain[0].front().tokens, got) << "the type changed nothing: the test proves nothing";
}

INSTANTIATE_TEST_SUITE_P(Types, ConstrainedDecoding,
                         ::testing::Values(Case{"(et|tee)+", "et"}, Case{"s+t|ts*", "st"},
                                           Case{"(ab|b)+a?", "ab"}));

TEST(ConstrainedDecodingLimits, NoTokenFitsGivesAnEmptyTextNeverACrash) {
  Fixture& f = fixture();
  // A vocabulary in which every token reads "a", and a type that needs a "b".
  auto texts = std::make_shared<std::vector<std::string>>(f.texts->size(), "a");
  TokenConstraint constraint(TextAutomaton("b+", "test", false), texts, {f.eos});
  EXPECT_TRUE(constraint.impossible());
  for (const int beams : {1, 3}) {
    GenerationConfig config;
    config.max_new_tokens = kMaxNewTokens;
    config.num_beams = beams;
    const auto out = generate(f.model, f.pixel_values, config, {}, {&constraint, &constraint});
    for (const auto& sequences : out) {
      EXPECT_EQ(sequences.front().tokens, (std::vector<int>{f.start, f.eos})) << beams;
    }
  }
  TokenConstraint possible(TextAutomaton("a+", "test", false), texts, {f.eos});
  EXPECT_FALSE(possible.impossible());
  // A leading space is a valid start that leads nowhere: still impossible.
  auto spaces = std::make_shared<std::vector<std::string>>(f.texts->size(), " ");
  TokenConstraint spaced(TextAutomaton("b+", "test"), spaces, {f.eos});
  EXPECT_TRUE(spaced.impossible());
  TokenConstraint digits(TextAutomaton("\\d{3}", "test"), f.texts, {f.eos});
  EXPECT_FALSE(digits.impossible());
}

// A model trained on labels "<s> text </s>" writes BOS first: an opener may come as the first
// token, writes nothing, and leaves the type's choices as they were (else the bundled model, made
// to write a digit where it expects "<s>", reads every typed field one character off).
TEST(ConstrainedDecodingLimits, BosMayOpenTheTextAndWritesNothing) {
  Fixture& f = fixture();
  const int bos = f.model.config.decoder.bos_token_id;
  ASSERT_TRUE((*f.texts)[bos].empty());
  int one = -1;
  for (size_t id = 0; id < f.texts->size() && one < 0; ++id)
    if ((*f.texts)[id] == "1") one = static_cast<int>(id);
  ASSERT_GE(one, 0);
  TokenConstraint plain(TextAutomaton("\\d{2}", "test"), f.texts, {f.eos});
  TokenConstraint opened(TextAutomaton("\\d{2}", "test"), f.texts, {f.eos}, {bos});
  EXPECT_FALSE(plain.allowed({f.start})[bos]);
  std::vector<uint8_t> first = opened.allowed({f.start});
  EXPECT_TRUE(first[bos]);
  EXPECT_TRUE(first[one]);
  first[bos] = 0;
  EXPECT_EQ(first, plain.allowed({f.start}));
  EXPECT_EQ(opened.allowed({f.start, bos}), plain.allowed({f.start}));  // once only
  EXPECT_FALSE(opened.allowed({f.start, bos})[bos]);
  EXPECT_EQ(opened.allowed({f.start, bos, one}), plain.allowed({f.start, one}));
  EXPECT_FALSE(opened.allowed({f.start, bos, one, one})[one]);  // "11" is whole: EOS only
}

}  // namespace
}  // namespace mlxocr
