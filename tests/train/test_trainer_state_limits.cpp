// A trainer_state.json is untrusted input too: a state claiming step 10^18 used to be resumed
// into a run that trained nothing. Values beyond what a run can reach are a LimitError naming
// the file, the field and the limit.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "mlxocr/limit_error.h"
#include "temp_dir.h"
#include "train/checkpoint.h"

namespace mlxocr {
namespace {

nlohmann::json good_state() {
  return {
      {"format", "mlxocr-trainer-state-1"},
      {"step", 40},
      {"samples_seen", 320},
      {"seed", 42},
      {"total_steps", 100},
      {"freeze_encoder", false},
      {"world_size", 1},
      {"optimizer", {{"lr", 5e-5}, {"betas", {0.9, 0.999}}, {"eps", 1e-8}, {"weight_decay", 0.0}}}};
}

TEST(TrainerStateLimits, AReachableStateLoads) {
  testing::TempDir dir("state-ok");
  write_file_atomic(dir / kTrainerStateFile, good_state().dump());
  const TrainerState state = load_trainer_state(dir.path());
  EXPECT_EQ(state.step, 40);
  EXPECT_EQ(state.total_steps, 100);
}

TEST(TrainerStateLimits, UnreachableValuesAreRefusedNamingTheField) {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
    const char* field;
    const char* limit;
  };
  const std::vector<Case> cases = {
      {"step 10^18",
       [](nlohmann::json& j) { j["step"] = j["total_steps"] = 1000000000000000000LL; }, "step",
       "1000000000"},
      {"step 2^64 - 1", [](nlohmann::json& j) { j["step"] = 18446744073709551615ULL; }, "step",
       "1000000000"},
      {"step past total", [](nlohmann::json& j) { j["step"] = 101; }, "step", "total_steps"},
      {"fewer samples than steps", [](nlohmann::json& j) { j["samples_seen"] = 3; }, "samples_seen",
       "at least step"},
      {"beta 1", [](nlohmann::json& j) { j["optimizer"]["betas"][1] = 1.0; }, "optimizer.betas[1]",
       "[0, 1)"},
      {"negative lr", [](nlohmann::json& j) { j["optimizer"]["lr"] = -1.0; }, "optimizer.lr",
       "[0, 1000]"},
      {"world of 10^6", [](nlohmann::json& j) { j["world_size"] = 1000000; }, "world_size",
       "65536"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    testing::TempDir dir("state-bad");
    nlohmann::json state = good_state();
    c.edit(state);
    write_file_atomic(dir / kTrainerStateFile, state.dump());
    try {
      load_trainer_state(dir.path());
      ADD_FAILURE() << "accepted";
    } catch (const LimitError& e) {
      EXPECT_EQ(e.file(), (dir / kTrainerStateFile).string());
      EXPECT_EQ(e.field(), c.field) << e.what();
      EXPECT_EQ(e.limit(), c.limit) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a LimitError, got: " << e.what();
    }
  }
}

}  // namespace
}  // namespace mlxocr
