// generate() against transformers' generate() on every recorded setting (greedy, beams 2/4 with
// length penalties and early stopping, num_return_sequences, n-gram and repetition penalties, bad
// words, min/max new tokens): token ids identical, log-probabilities within 1e-4 and sequence
// scores within 1e-4 x max(1, |score|). Results whose reference path passed a near-tie (margin <
// 1e-3) are skipped and counted. A mixed batch of the five images gives each image exactly its
// result alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "generate/generate.h"
#include "generation_fixtures.h"
#include "model_chain.h"

namespace mlxocr {
namespace {

constexpr float kTolerance = 1e-4f;

struct Agreement {
  int agree = 0, compared = 0, dropped = 0;
  float logprob_diff = 0.0f, score_diff = 0.0f;
};

// variant -> setting -> agreement, in the order the settings were first seen.
struct AgreementTable {
  std::vector<std::string> variants, settings;
  std::map<std::string, std::map<std::string, Agreement>> cells;

  Agreement& cell(const std::string& variant, const std::string& setting) {
    if (std::find(variants.begin(), variants.end(), variant) == variants.end()) {
      variants.push_back(variant);
    }
    if (std::find(settings.begin(), settings.end(), setting) == settings.end()) {
      settings.push_back(setting);
    }
    return cells[variant][setting];
  }
};

AgreementTable& table() {
  static AgreementTable t;
  return t;
}

// Prints the table once all tests ran: agreeing/compared results per variant and setting.
class PrintAgreementTable : public ::testing::Environment {
 public:
  void TearDown() override {
    const AgreementTable& t = table();
    if (t.variants.empty()) return;
    std::printf(
        "[generation parity] results equal to transformers' (ids identical, log-probs and "
        "sequence scores within %.0e) / results compared; (+N): near-ties skipped\n",
        kTolerance);
    std::printf("%-38s", "setting");
    for (const auto& v : t.variants)
      std::printf(" %-17s", v.c_str());
    std::printf("\n");
    float worst_logprob = 0, worst_score = 0;
    for (const auto& s : t.settings) {
      std::printf("%-38s", s.c_str());
      for (const auto& v : t.variants) {
        const auto row = t.cells.find(v);
        const auto it = row->second.find(s);
        if (it == row->second.end()) {
          std::printf(" %-17s", "-");
          continue;
        }
        const Agreement& a = it->second;
        char text[32];
        if (a.dropped) {
          std::snprintf(text, sizeof text, "%d/%d (+%d)", a.agree, a.compared, a.dropped);
        } else {
          std::snprintf(text, sizeof text, "%d/%d", a.agree, a.compared);
        }
        std::printf(" %-17s", text);
        worst_logprob = std::max(worst_logprob, a.logprob_diff);
        worst_score = std::max(worst_score, a.score_diff);
      }
      std::printf("\n");
    }
    std::printf(
        "[generation parity] largest differences: token log-prob %.2e, sequence score "
        "%.2e (relative to max(1, |score|))\n",
        worst_logprob, worst_score);
  }
};

const auto* const kTableEnvironment = ::testing::AddGlobalTestEnvironment(new PrintAgreementTable);

GenerationConfig config_for(const testing::GenerationSetting& setting) {
  GenerationConfig config;
  apply_generate_kwargs(config, setting.generate_kwargs, setting.name);
  return config;
}

// Compares one image's sequences with the record; returns whether everything agreed.
bool matches(const std::vector<GeneratedSequence>& got, const testing::GenerationRecord& want,
             Agreement& agreement, const std::string& where) {
  bool ok = got.size() == want.sequences.size();
  EXPECT_EQ(got.size(), want.sequences.size()) << where;
  for (size_t n = 0; ok && n < got.size(); ++n) {
    const std::vector<int> generated(got[n].tokens.begin() + 1, got[n].tokens.end());
    if (generated != want.sequences[n]) {
      ADD_FAILURE() << where << " sequence " << n << ": token ids differ from transformers";
      ok = false;
      break;
    }
    for (size_t t = 0; t < generated.size(); ++t) {
      const float d = std::fabs(got[n].token_logprobs[t] - want.token_logprobs[n][t]);
      agreement.logprob_diff = std::max(agreement.logprob_diff, d);
      if (d > kTolerance) {
        ADD_FAILURE() << where << " sequence " << n << " token " << t << ": log-prob "
                      << got[n].token_logprobs[t] << ", transformers " << want.token_logprobs[n][t];
        ok = false;
      }
    }
    if (!want.sequence_scores.empty()) {
      if (!got[n].sequence_score) {
        ADD_FAILURE() << where << ": no sequence score";
        ok = false;
        continue;
      }
      // Scale-aware: with a negative length penalty the score is the log-prob sum times a
      // length, and the float32 rounding of the sum grows with it.
      const float d = std::fabs(*got[n].sequence_score - want.sequence_scores[n]) /
                      std::max(1.0f, std::fabs(want.sequence_scores[n]));
      agreement.score_diff = std::max(agreement.score_diff, d);
      if (d > kTolerance) {
        ADD_FAILURE() << where << " sequence " << n << ": sequence score " << *got[n].sequence_score
                      << ", transformers " << want.sequence_scores[n];
        ok = false;
      }
    } else {
      EXPECT_FALSE(got[n].sequence_score.has_value()) << where;
    }
  }
  return ok;
}

class GenerationParityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GenerationParityTest, EachImageAloneEqualsTransformers) {
  const std::string variant = GetParam();
  const TrOCRModel model = load_model(testing::model_fixture(variant));
  const auto fixture = testing::load_generation_fixture(variant);
  const mx::array pixels = testing::fixture_pixels(variant, fixture.images);
  ASSERT_GE(fixture.settings.size(), 20u);
  int compared = 0;
  for (const auto& setting : fixture.settings) {
    const GenerationConfig config = config_for(setting);
    Agreement& agreement = table().cell(variant, setting.name);
    for (size_t i = 0; i < fixture.images.size(); ++i) {
      const auto& record = setting.results[i];
      if (!record.dropped.empty()) {
        ++agreement.dropped;
        continue;
      }
      const auto got = generate(model, testing::pixel_row(pixels, static_cast<int>(i)), config);
      ++agreement.compared;
      ++compared;
      if (matches(got[0], record, agreement, variant + " " + setting.name + " " + record.image)) {
        ++agreement.agree;
      }
    }
  }
  EXPECT_GT(compared, 60);  // most recorded results have clear margins
}

TEST_P(GenerationParityTest, MixedBatchOfFiveEqualsEachImageAlone) {
  const std::string variant = GetParam();
  const TrOCRModel model = load_model(testing::model_fixture(variant));
  const auto fixture = testing::load_generation_fixture(variant);
  const mx::array pixels = testing::fixture_pixels(variant, fixture.images);
  ASSERT_EQ(pixels.shape(0), 5);
  for (const auto& setting : fixture.settings) {
    const GenerationConfig config = config_for(setting);
    const auto batched = generate(model, pixels, config);
    for (int i = 0; i < pixels.shape(0); ++i) {
      const auto alone = generate(model, testing::pixel_row(pixels, i), config);
      const std::string where = variant + " " + setting.name + " " + fixture.images[i];
      ASSERT_EQ(batched[i].size(), alone[0].size()) << where;
      for (size_t n = 0; n < alone[0].size(); ++n) {
        EXPECT_EQ(batched[i][n].tokens, alone[0][n].tokens) << where;
        ASSERT_EQ(batched[i][n].token_logprobs.size(), alone[0][n].token_logprobs.size());
        const std::vector<float>& logprobs = alone[0][n].token_logprobs;
        const double bound =
            testing::logprob_bound(model, testing::pixel_row(pixels, i), alone[0][n].tokens);
        for (size_t t = 0; t < logprobs.size(); ++t)
          EXPECT_NEAR(batched[i][n].token_logprobs[t], logprobs[t], bound) << where;
        EXPECT_EQ(batched[i][n].sequence_score.has_value(), alone[0][n].sequence_score.has_value());
        if (alone[0][n].sequence_score) {
          // The sum of the sequence's log-probs (each within `bound`, plus its own rounding)
          // divided by length ^ length_penalty.
          const double length = static_cast<double>(logprobs.size());
          const double score = *alone[0][n].sequence_score;
          const double sum_bound =
              length * bound + testing::rounding_bound(length, std::abs(score));
          EXPECT_NEAR(*batched[i][n].sequence_score, score,
                      sum_bound / std::min(1.0, std::pow(length, config.length_penalty)))
              << where;
        }
      }
    }
  }
}

// early_stopping true, false and "never" must each be seen to matter somewhere in the records
// (images whose margins are clear), or their parity above proves little.
TEST(GenerationFixtures, EarlyStoppingModesAreToldApart) {
  int true_vs_false = 0, false_vs_never = 0;
  for (const auto& variant : testing::kModelVariants) {
    const auto fixture = testing::load_generation_fixture(variant);
    const auto find = [&](const std::string& name) -> const testing::GenerationSetting* {
      for (const auto& s : fixture.settings) {
        if (s.name == name) return &s;
      }
      return nullptr;
    };
    for (const std::string group :
         {"beams4_lp1.0_rp0.6_return_4_es_", "beams2_lp2.0_return_2_es_"}) {
      const auto *t = find(group + "true"), *f = find(group + "false"), *n = find(group + "never");
      ASSERT_TRUE(t && f && n) << group;
      for (size_t i = 0; i < t->results.size(); ++i) {
        const auto &a = t->results[i], &b = f->results[i], &c = n->results[i];
        if (!a.dropped.empty() || !b.dropped.empty() || !c.dropped.empty()) continue;
        true_vs_false += a.sequences != b.sequences;
        false_vs_never += b.sequences != c.sequences;
      }
    }
  }
  EXPECT_GE(true_vs_false, 1);
  EXPECT_GE(false_vs_never, 1);
}

INSTANTIATE_TEST_SUITE_P(Variants, GenerationParityTest,
                         ::testing::ValuesIn(testing::kModelVariants), testing::VariantName());

}  // namespace
}  // namespace mlxocr
