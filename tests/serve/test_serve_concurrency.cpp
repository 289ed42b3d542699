// Concurrent clients get their own answers (cross-request batching), a full queue answers 503,
// a slow request 504, and SIGTERM lets the accepted requests finish.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

#include "serve_support.h"

namespace mlxocr {
namespace {

using testing::LocalServer;
namespace fs = std::filesystem;

struct Upload {
  fs::path file;
  bool form;
};

// Forms and lines, each a different file, so that a mixed-up answer shows.
std::vector<Upload> uploads() {
  const fs::path images = testing::fixtures() / "images";
  return {{testing::form_scan(), true},        {images / "small_96x32.png", false},
          {images / "photo_rgb.jpg", false},   {images / "table_rgb.png", false},
          {images / "tall_narrow.png", false}, {images / "portrait_crop.png", false},
          {images / "photo_gray.jpg", false},  {images / "square_384.png", false}};
}

double metric(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

TEST(ServeConcurrency, EightClientsEachGetTheirOwnAnswer) {
  serve::ServerOptions options;
  options.batcher.max_wait = std::chrono::milliseconds(300);
  LocalServer server(options);
  const std::vector<Upload> files = uploads();
  std::vector<nlohmann::json> expected;
  for (const Upload& u : files)
    expected.push_back(testing::cli_json(u.file, u.form));
  constexpr int kRounds = 2;
  std::vector<std::future<void>> clients;
  for (size_t i = 0; i < files.size(); ++i) {
    clients.push_back(std::async(std::launch::async, [&, i] {
      auto c = server.client();
      for (int round = 0; round < kRounds; ++round) {
        // Each client sends another client's file in its second round.
        const size_t pick = (i + round) % files.size();
        httplib::MultipartFormDataItems items = {{"file", testing::file_bytes(files[pick].file),
                                                  files[pick].file.filename().string(), ""}};
        if (files[pick].form) items.push_back({"template", "form", "", ""});
        const auto res = c.Post("/v1/ocr", items);
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 200) << res->body;
        nlohmann::json got = nlohmann::json::parse(res->body);
        EXPECT_EQ(got["image"], files[pick].file.filename().string());
        got.erase("image");
        testing::expect_same_answer(got, expected[pick], files[pick].file.string());
      }
    }));
  }
  for (auto& c : clients)
    c.get();
  const auto metrics = server.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  // 16 requests, 2 of them forms of one template: fewer runs than requests means that
  // requests shared runs (their regions decoded together).
  const double runs = metric(metrics->body, "mlxocr_batches_total");
  EXPECT_GT(runs, 0);
  EXPECT_LT(runs, files.size() * kRounds) << metrics->body;
}

// Copies of one filled scan read in one run: as many as mlxocr ocr's drop-out vote needs. The
// CLI would take the writing they share for the printed form; a request's answer must not
// depend on the requests read with it, so each equals the file read alone.
TEST(ServeConcurrency, RequestsReadTogetherDoNotVoteOnEachOthersInk) {
  serve::ServerOptions options;
  options.batcher.max_wait = std::chrono::milliseconds(1500);
  LocalServer server(options);
  const nlohmann::json expected = testing::cli_json(testing::form_scan(), true);
  std::vector<std::future<void>> clients;
  for (int i = 0; i < kMinVoteScans + 1; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      const auto res = server.client().Post(
          "/v1/ocr", httplib::MultipartFormDataItems{
                         {"file", testing::file_bytes(testing::form_scan()), "scan.png", ""},
                         {"template", "form", "", ""}});
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
      nlohmann::json got = nlohmann::json::parse(res->body);
      got.erase("image");
      testing::expect_same_answer(got, expected, "scan.png");
    }));
  }
  for (auto& c : clients)
    c.get();
  const auto metrics = server.client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_LT(metric(metrics->body, "mlxocr_batches_total"), kMinVoteScans + 1) << metrics->body;
}

TEST(ServeConcurrency, FullQueueAnswers503AndSlowRequest504) {
  serve::ServerOptions options;
  options.batcher.max_queue = 1;
  options.batcher.max_wait = std::chrono::milliseconds(2500);  // the first waits in the queue
  options.request_timeout = std::chrono::seconds(1);
  LocalServer server(options);
  const std::string line = testing::file_bytes(testing::fixtures() / "images" / "small_96x32.png");
  auto first = std::async(std::launch::async,
                          [&] { return server.client().Post("/v1/ocr", line, "image/png"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto second = server.client().Post("/v1/ocr", line, "image/png");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503) << second->body;
  EXPECT_EQ(second->get_header_value("Retry-After"), "1");
  EXPECT_NE(second->body.find("queue is full"), std::string::npos);
  const auto slow = first.get();
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 504) << slow->body;
  EXPECT_NE(slow->body.find("request timeout"), std::string::npos);
}

// The real binary: a request in flight when SIGTERM comes is answered, then it exits 0.
TEST(ServeConcurrency, SigtermFinishesAcceptedRequestsAndExitsZero) {
  testing::ServeProcess process({"-m", testing::model_path(), "--max-new-tokens", "6",
                                 "--max-wait-ms", "1500", "--template",
                                 "form=" + testing::form_template().string()});
  ASSERT_GT(process.port(), 0);
  ASSERT_TRUE(process.wait_ready(std::chrono::seconds(60)));
  const std::string scan = testing::file_bytes(testing::form_scan());
  auto in_flight = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", process.port());
    c.set_read_timeout(60, 0);
    return c.Post("/v1/ocr", httplib::MultipartFormDataItems{{"template", "form", "", ""},
                                                             {"file", scan, "scan.png", ""}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // accepted, waiting to batch
  ASSERT_EQ(::kill(process.pid(), SIGTERM), 0);
  const auto res = in_flight.get();
  ASSERT_TRUE(res) << "the accepted request was dropped";
  EXPECT_EQ(res->status, 200) << res->body;
  nlohmann::json got = nlohmann::json::parse(res->body);
  got.erase("image");
  testing::expect_same_answer(got, testing::cli_json(testing::form_scan(), true));
  EXPECT_EQ(process.wait(), 0);
  httplib::Client after("127.0.0.1", process.port());
  EXPECT_FALSE(after.Get("/health")) << "still accepting after SIGTERM";
}

}  // namespace
}  // namespace mlxocr
