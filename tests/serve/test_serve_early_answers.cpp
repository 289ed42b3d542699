// Requests read in one run are each answered as soon as their own regions are read: a one-line
// request gathered with a page of many lines gets its answer while the page is still being read.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "serve_support.h"

namespace mlxocr {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kPageLines = 24;

// `mlxocr ocr --lines --layout simple --format json` on `file` with the bundled model, "image"
// removed.
nlohmann::json cli_page_json(const fs::path& file) {
  const testing::CliResult result = testing::run_cli(
      "ocr -q --format json --lines --layout simple --max-new-tokens 8 '" + file.string() + "'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  nlohmann::json j = nlohmann::json::parse(result.out);
  j.erase("image");
  return j;
}

// A counter or gauge of GET /metrics; -1 when it cannot be read.
double metric(const testing::LocalServer& server, const std::string& metric_name) {
  const auto res = server.client().Get("/metrics");
  if (!res) return -1;
  const std::string name = "\n" + metric_name + " ";
  const size_t at = res->body.find(name);
  return at == std::string::npos ? -1 : std::stod(res->body.substr(at + name.size()));
}

double batches_total(const testing::LocalServer& server) {
  return metric(server, "mlxocr_batches_total");
}

double queue_length(const testing::LocalServer& server) {
  return metric(server, "mlxocr_queue_length");
}

struct Answer {
  int status = 0;  // 0: no answer
  std::string body;
  Clock::time_point at;
  double runs_finished = -1;  // mlxocr_batches_total right after the answer came
};

TEST(ServeEarlyAnswers, SmallRequestIsAnsweredWhileTheLargeOneInItsRunIsStillRead) {
  const fs::path dir = testing::fresh_dir("mlxocr_serve_early");
  const fs::path small = testing::printed_page(dir, "small.png", 1);
  const fs::path large = testing::printed_page(dir, "large.png", kPageLines);
  serve::ServerOptions options;
  // Both requests gathered into one run: it starts when the second arrives.
  options.batcher.max_wait = std::chrono::milliseconds(5000);
  options.batcher.max_files = 2;
  serve::ServeConfig config = testing::small_config();
  // The bundled model: the random-weight fixture reads a page's lines in a few milliseconds,
  // too short a time to look at the server while the page is still being read.
  config.base.models = {""};
  config.base.max_new_tokens = 8;
  // The first decode batch holds the small request's line and the page's first; the page's
  // other lines take many more.
  config.base.batch_size = 2;
  testing::LocalServer server(options, config);
  const auto post = [&](const fs::path& file) {
    const auto res = server.client().Post(
        "/v1/ocr", httplib::MultipartFormDataItems{
                       {"file", testing::file_bytes(file), file.filename().string(), ""},
                       {"mode", "page", "", ""},
                       {"layout", "simple", "", ""}});
    Answer answer;
    answer.at = Clock::now();
    if (res) answer.status = res->status, answer.body = res->body;
    answer.runs_finished = batches_total(server);
    return answer;
  };
  auto small_answer = std::async(std::launch::async, post, small);
  // The small one queued first: the large one is posted once the server holds it (it stays in
  // the queue while the batcher waits for the run's second file).
  const auto queued_by = Clock::now() + std::chrono::seconds(60);
  while (queue_length(server) < 1 && Clock::now() < queued_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(queue_length(server), 1) << "the small request never reached the queue";
  auto large_answer = std::async(std::launch::async, post, large);
  const Answer s = small_answer.get(), l = large_answer.get();
  ASSERT_EQ(s.status, 200) << s.body;
  ASSERT_EQ(l.status, 200) << l.body;
  // One run held both (its count is taken once the run is over) ...
  EXPECT_EQ(batches_total(server), 1);
  // ... and it was not over yet when the small request had its answer. A server answering
  // every request of a run once the run is over counts the run first: 1 here. The page's
  // remaining 11 batches (hundreds of milliseconds) leave the GET /metrics above ample time.
  EXPECT_EQ(s.runs_finished, 0) << "the small request waited for the whole run";
  const double before_large_ms = std::chrono::duration<double, std::milli>(l.at - s.at).count();
  EXPECT_GT(before_large_ms, 0) << "the small request was answered after the large one";

  nlohmann::json got_small = nlohmann::json::parse(s.body);
  nlohmann::json got_large = nlohmann::json::parse(l.body);
  got_small.erase("image");
  got_large.erase("image");
  ASSERT_EQ(got_large["fields"].size(), static_cast<size_t>(kPageLines)) << got_large;
  testing::expect_same_answer(got_small, cli_page_json(small), "small.png");
  testing::expect_same_answer(got_large, cli_page_json(large), "large.png");
}

}  // namespace
}  // namespace mlxocr
