// mlxocr train as a user runs it: a short run lowers the loss and writes loadable checkpoints,
// kill -9 then --resume continues exactly, two processes equal one with the global batch, and
// bad data / unwritable output / corrupt checkpoints give one clear line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "temp_dir.h"
#include "test_support.h"
#include "train/checkpoint.h"

namespace mlxocr {
namespace {

using testing::fixtures;
using testing::max_abs_diff;
using testing::model_fixture;
using testing::run_cli;
using testing::TempDir;

namespace fs = std::filesystem;

// Eight line images (real fixture pictures, several reused) with short texts, as a CSV.
fs::path write_dataset(const TempDir& dir) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"small_96x32.png", "hello"},      {"photo_rgb.jpg", "a photo"},
      {"table_rgb.png", "table 12"},     {"photo_gray.jpg", "grey"},
      {"square_384.png", "square"},      {"tall_narrow.png", "tall one"},
      {"photo_lossless.webp", "webp 7"}, {"strip_1px.png", "strip"}};
  std::string csv = "file_name,text\n";
  for (const auto& [image, text] : rows) {
    fs::copy_file(fixtures() / "images" / image, dir / image);
    csv += image + "," + text + "\n";
  }
  std::ofstream(dir / "train.csv") << csv;
  return dir / "train.csv";
}

std::string common_args(const fs::path& data, const fs::path& output) {
  return "train -m '" + model_fixture("vit-trocr").string() + "' --train '" + data.string() +
         "' -o '" + output.string() + "' --lr 1e-3 --no-progress ";
}

// step -> loss from metrics.jsonl.
std::map<long long, double> losses(const fs::path& output) {
  std::map<long long, double> out;
  std::ifstream in(output / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("loss")) out[j["step"].get<long long>()] = j["loss"].get<double>();
  }
  return out;
}

TEST(TrainCli, ShortRunLowersTheLossAndWritesAHuggingFaceCheckpoint) {
  TempDir dir("train-short");
  const fs::path data = write_dataset(dir);
  const auto r = run_cli(common_args(data, dir / "out") +
                         "--max-steps 12 --batch-size 4 --keep-last 1 "
                         "--save-every 4 --eval '" +
                         data.string() + "' --eval-every 6");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto l = losses(dir / "out");
  ASSERT_EQ(l.size(), 12u);
  const double early = (l.at(1) + l.at(2) + l.at(3)) / 3,
               late = (l.at(10) + l.at(11) + l.at(12)) / 3;
  EXPECT_LT(late, 0.85 * early) << "first steps " << early << ", last steps " << late;

  const auto checkpoints = list_checkpoints(dir / "out");
  ASSERT_EQ(checkpoints.size(), 1u);  // --keep-last 1
  const fs::path last = checkpoints.back();
  EXPECT_EQ(last.filename(), "checkpoint-12");
  for (const char* file :
       {"config.json", "model.safetensors", "preprocessor_config.json", "generation_config.json",
        "vocab.json", "merges.txt", "optimizer.safetensors", "trainer_state.json"})
    EXPECT_TRUE(fs::is_regular_file(last / file)) << file;
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "training.png"));
  // Tensor names and shapes exactly those of the transformers checkpoint we started from.
  const TensorMap ours = load_safetensors(last / "model.safetensors");
  const TensorMap theirs = load_safetensors(model_fixture("vit-trocr") / "model.safetensors");
  ASSERT_EQ(ours.size(), theirs.size());
  for (const auto& [name, tensor] : theirs) {
    ASSERT_TRUE(ours.count(name)) << name;
    EXPECT_EQ(ours.at(name).shape(), tensor.shape()) << name;
  }
  // Every mlxocr command loads it.
  const auto recognized = run_cli("recognize --model '" + last.string() + "' '" +
                                  (dir / "small_96x32.png").string() + "'");
  EXPECT_EQ(recognized.exit_code, 0) << recognized.err;
  std::ifstream metrics(dir / "out" / "metrics.jsonl");
  EXPECT_NE(std::string(std::istreambuf_iterator<char>(metrics), {}).find("eval_cer"),
            std::string::npos);
}

TEST(TrainCli, KillDashNineThenResumeGivesTheSameLosses) {
  TempDir dir("train-resume");
  const fs::path data = write_dataset(dir);
  const std::string args = "--max-steps 24 --batch-size 2 --save-every 3 --augment ";
  const auto whole = run_cli(common_args(data, dir / "whole") + args);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  // The same run, killed with SIGKILL once a few checkpoints exist.
  const std::string command = "exec '" + std::string(MLXOCR_CLI_PATH) + "' " +
                              common_args(data, dir / "killed") + args + " 2>/dev/null";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(dir / "killed" / "checkpoint-6" / "trainer_state.json") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  const auto before = losses(dir / "killed");
  ASSERT_LT(before.size(), 24u);

  const fs::path resume_from = list_checkpoints(dir / "killed").back();
  const long long resumed_at = load_trainer_state(resume_from).step;
  const auto resumed =
      run_cli(common_args(data, dir / "killed") + args + "--resume '" + resume_from.string() + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto expected = losses(dir / "whole"), got = losses(dir / "killed");
  ASSERT_EQ(got.size(), 24u);
  for (long long step = resumed_at + 1; step <= 24; ++step)
    EXPECT_EQ(got.at(step), expected.at(step)) << "step " << step;
}

TEST(TrainCli, AResumedRunOutlivesTheCheckpointItStartedFrom) {
  // --keep-last 1 prunes the checkpoint a resumed run started from; later checkpoints still get
  // the tokenizer and configs (read when training starts, not at every save).
  TempDir dir("train-prune-source");
  const fs::path data = write_dataset(dir);
  const std::string args = "--batch-size 2 --save-every 1 --keep-last 1 ";
  ASSERT_EQ(run_cli(common_args(data, dir / "run") + args + "--max-steps 2").exit_code, 0);
  const auto resumed = run_cli(common_args(data, dir / "run") + args + "--max-steps 4 --resume '" +
                               (dir / "run" / "checkpoint-2").string() + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_FALSE(fs::exists(dir / "run" / "checkpoint-2"));
  for (const char* file : {"config.json", "tokenizer.json", "preprocessor_config.json"})
    EXPECT_TRUE(fs::exists(dir / "run" / "checkpoint-4" / file)) << file;
}

TEST(TrainCli, CtcAndTokenDropoutResumeExactlyAndLeaveTheModelAsTransformersHasIt) {
  TempDir dir("train-ctc");
  const fs::path data = write_dataset(dir);
  const std::string args =
      "--max-steps 4 --batch-size 2 --save-every 2 --no-dropout --ctc-weight 0.5 "
      "--token-dropout 0.3 ";
  const auto whole = run_cli(common_args(data, dir / "whole") + args);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto resumed = run_cli(common_args(data, dir / "resumed") + args + "--resume '" +
                               (dir / "whole" / "checkpoint-2").string() + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto expected = losses(dir / "whole"), got = losses(dir / "resumed");
  for (long long step = 3; step <= 4; ++step)
    EXPECT_EQ(got.at(step), expected.at(step)) << "step " << step;
  // The head is training state: in optimizer.safetensors, not in the model transformers loads.
  for (const auto& [name, value] :
       load_safetensors(dir / "whole" / "checkpoint-4" / "model.safetensors"))
    EXPECT_EQ(name.find("ctc"), std::string::npos) << name;
  EXPECT_EQ(load_training_only_tensors(dir / "whole" / "checkpoint-4").size(), 2u);
  // Resuming a CTC-less checkpoint with --ctc-weight is refused in one line.
  ASSERT_EQ(run_cli(common_args(data, dir / "plain") + "--max-steps 1 --batch-size 2").exit_code,
            0);
  const auto refused = run_cli(common_args(data, dir / "plain") + args + "--resume '" +
                               (dir / "plain" / "checkpoint-1").string() + "'");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("trained without --ctc-weight"), std::string::npos) << refused.err;
}

// An output holding an earlier run's checkpoints is refused, never overwritten checkpoint by
// checkpoint; --overwrite starts afresh, --resume continues.
TEST(TrainCli, OutputWithEarlierCheckpointsIsRefusedUnlessResumeOrOverwrite) {
  TempDir dir("train-earlier");
  const fs::path data = write_dataset(dir);
  const fs::path out = dir / "out";
  fs::create_directories(out / "checkpoint-7");
  std::ofstream(out / "checkpoint-7" / "trainer_state.json") << "{}";
  std::ofstream(out / "metrics.jsonl") << "{\"step\": 7, \"loss\": 1.0}\n";
  const std::string args = "--max-steps 1 --batch-size 2 ";
  const auto refused = run_cli(common_args(data, out) + args);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find(out.string() + " holds checkpoints of an earlier run (checkpoint-7)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--resume"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--overwrite"), std::string::npos) << refused.err;
  EXPECT_TRUE(fs::exists(out / "checkpoint-7" / "trainer_state.json"));

  const auto both = run_cli(common_args(data, out) + args + "--overwrite --resume '" +
                            (out / "checkpoint-7").string() + "'");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
  EXPECT_TRUE(fs::exists(out / "checkpoint-7"));

  const auto fresh = run_cli(common_args(data, out) + args + "--overwrite");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_FALSE(fs::exists(out / "checkpoint-7"));
  EXPECT_TRUE(fs::exists(out / "checkpoint-1" / "model.safetensors"));
  EXPECT_EQ(losses(out).count(7), 0u);  // metrics.jsonl tells the new run's story only
  EXPECT_EQ(losses(out).count(1), 1u);
}

TEST(TrainCli, TwoProcessesEqualOneWithTheGlobalBatch) {
  TempDir dir("train-parallel");
  const fs::path data = write_dataset(dir);
  // Dropout masks are drawn per process, so they differ between 1 and 2 processes: off here.
  const std::string args = "--max-steps 3 --save-every 0 --no-dropout ";
  const auto one = run_cli(common_args(data, dir / "one") + args + "--batch-size 4");
  ASSERT_EQ(one.exit_code, 0) << one.err;

  // Two ranks on loopback over MLX's ring backend; rank 0 writes the checkpoints.
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  std::ofstream(dir / "hosts.json")
      << "[[\"127.0.0.1:" << port << "\"], [\"127.0.0.1:" << port + 1 << "\"]]";
  std::vector<pid_t> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    const std::string command = "MLX_RANK=" + std::to_string(rank) + " MLX_HOSTFILE='" +
                                (dir / "hosts.json").string() + "' exec '" + MLXOCR_CLI_PATH +
                                "' " + common_args(data, dir / "two") + args +
                                "--batch-size 2 --distributed-backend ring 2>'" +
                                (dir / ("rank" + std::to_string(rank) + ".err")).string() + "'";
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ranks.push_back(pid);
  }
  for (pid_t pid : ranks) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const auto l1 = losses(dir / "one"), l2 = losses(dir / "two");
  ASSERT_EQ(l2.size(), 3u);
  for (long long step = 1; step <= 3; ++step)
    EXPECT_NEAR(l2.at(step), l1.at(step), 1e-5 * l1.at(step)) << "step " << step;
  const TensorMap a = load_safetensors(dir / "one" / "checkpoint-3" / "model.safetensors");
  const TensorMap b = load_safetensors(dir / "two" / "checkpoint-3" / "model.safetensors");
  // As in the three-step parity test: Adam magnifies the rounding of near-zero gradients (the
  // sums run in another order), so nearly every element agrees to 1e-5 and none by more than a
  // tenth of the learning rate. Key biases are left out: their gradient is mathematically zero
  // (softmax ignores a shift shared by all scores of a query), so Adam steps them along pure
  // rounding noise, in PyTorch too.
  for (const auto& [name, tensor] : a) {
    if (name.find("k_proj.bias") != std::string::npos) continue;
    const mx::array diff = mx::abs(tensor - b.at(name));
    mx::array close = mx::mean(mx::astype(mx::less_equal(diff, mx::array(1e-5f)), mx::float32));
    mx::eval(close);
    EXPECT_GE(close.item<float>(), 0.999f) << name;
    EXPECT_LE(testing::max_abs(diff), 1e-4f) << name;
  }
}

TEST(TrainCli, GradientAccumulationEqualsTheBigBatch) {
  TempDir dir("train-accum");
  const fs::path data = write_dataset(dir);
  const std::string args = "--max-steps 3 --save-every 0 --no-dropout ";
  const auto big = run_cli(common_args(data, dir / "big") + args + "--batch-size 4");
  ASSERT_EQ(big.exit_code, 0) << big.err;
  const auto accumulated =
      run_cli(common_args(data, dir / "accum") + args + "--batch-size 2 --grad-accum 2");
  ASSERT_EQ(accumulated.exit_code, 0) << accumulated.err;
  const auto a = losses(dir / "big"), b = losses(dir / "accum");
  ASSERT_EQ(b.size(), 3u);
  for (long long step = 1; step <= 3; ++step)
    EXPECT_NEAR(b.at(step), a.at(step), 1e-5 * a.at(step)) << "step " << step;
}

TEST(TrainCli, NonFiniteLossStopsWithAClearMessageAndKeepsTheCheckpoints) {
  TempDir dir("train-nan");
  const fs::path data = write_dataset(dir);
  // An absurd learning rate: the first step throws the weights to ~1e30, the next loss is not
  // finite.
  const auto r = run_cli("train -m '" + model_fixture("vit-trocr").string() + "' --train '" +
                         data.string() + "' -o '" + (dir / "out").string() +
                         "' --lr 1e30 --max-steps 6 --save-every 1 --batch-size 2 --no-progress");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("training stopped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("last good checkpoint"), std::string::npos) << r.err;
  const auto checkpoints = list_checkpoints(dir / "out");
  ASSERT_FALSE(checkpoints.empty());
  EXPECT_NO_THROW(load_model(checkpoints.back()));
  EXPECT_LT(losses(dir / "out").size(), 6u);
}

TEST(TrainCli, BadInputsGiveOneClearLine) {
  TempDir dir("train-errors");
  const fs::path data = write_dataset(dir);
  // A dataset that does not exist.
  auto r = run_cli(common_args(dir / "missing.csv", dir / "out") + "--max-steps 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("missing.csv"), std::string::npos) << r.err;
  // Rows that cannot be used are listed and skipped; a dataset with none left is an error.
  std::ofstream(dir / "bad.csv") << "file_name,text\nnope.png,hello\nsmall_96x32.png,\n";
  r = run_cli(common_args(dir / "bad.csv", dir / "out") + "--max-steps 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no usable train samples"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nope.png"), std::string::npos) << r.err;
  // An output "folder" that is a file.
  std::ofstream(dir / "a_file") << "x";
  r = run_cli(common_args(data, dir / "a_file" / "out") + "--max-steps 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("output folder"), std::string::npos) << r.err;
  // Bad flag values.
  r = run_cli(common_args(data, dir / "out") + "--batch-size 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--batch-size"), std::string::npos) << r.err;

  // Corrupt checkpoints: trainer state garbage, optimizer state cut short.
  r = run_cli(common_args(data, dir / "good") + "--max-steps 1 --batch-size 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path checkpoint = dir / "good" / "checkpoint-1";
  fs::copy(checkpoint, dir / "bad_state", fs::copy_options::recursive);
  std::ofstream(dir / "bad_state" / "trainer_state.json") << "{\"step\": ";
  r = run_cli(common_args(data, dir / "out2") + "--max-steps 2 --resume '" +
              (dir / "bad_state").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("trainer_state.json"), std::string::npos) << r.err;
  fs::copy(checkpoint, dir / "bad_optimizer", fs::copy_options::recursive);
  fs::resize_file(dir / "bad_optimizer" / "optimizer.safetensors", 100);
  r = run_cli(common_args(data, dir / "out3") + "--max-steps 2 --resume '" +
              (dir / "bad_optimizer").string() + "'");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("optimizer.safetensors"), std::string::npos) << r.err;
  // One error line, never a crash.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("mlxocr: error:"), r.err.rfind("mlxocr: error:")) << r.err;
}

}  // namespace
}  // namespace mlxocr
