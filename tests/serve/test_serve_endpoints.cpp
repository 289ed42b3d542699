// The endpoints of mlxocr serve, each answer checked against the CLI's for the same file.
#include <gtest/gtest.h>

#include "serve_support.h"

namespace mlxocr {
namespace {

using testing::LocalServer;

class ServeEndpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new LocalServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static LocalServer* server_;
};
LocalServer* ServeEndpoints::server_ = nullptr;

httplib::MultipartFormDataItems upload(const std::filesystem::path& file,
                                       httplib::MultipartFormDataItems options = {}) {
  options.push_back(
      {"file", testing::file_bytes(file), file.filename().string(), "application/octet-stream"});
  return options;
}

nlohmann::json without_image(const std::string& body, const std::string& expected_name) {
  nlohmann::json j = nlohmann::json::parse(body);
  EXPECT_EQ(j.value("image", ""), expected_name);
  j.erase("image");
  return j;
}

TEST_F(ServeEndpoints, HealthIsReadyOnceLoaded) {
  const auto res = server_->client().Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body)["status"], "ready");
}

TEST_F(ServeEndpoints, ModelsAndTemplatesAreListed) {
  auto c = server_->client();
  const auto models = c.Get("/v1/models");
  ASSERT_TRUE(models);
  ASSERT_EQ(models->status, 200);
  const auto m = nlohmann::json::parse(models->body)["models"];
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["name"], testing::model_path());
  const auto templates = c.Get("/v1/templates");
  ASSERT_TRUE(templates);
  const auto t = nlohmann::json::parse(templates->body)["templates"];
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0]["name"], "form");
}

TEST_F(ServeEndpoints, FormUploadAnswersTheClisJson) {
  const auto res = server_->client().Post(
      "/v1/ocr", upload(testing::form_scan(), {{"template", "form", "", ""}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const nlohmann::json got = without_image(res->body, "sample_scan.png");
  EXPECT_GT(got["fields"].size(), 3u);
  testing::expect_same_answer(got, testing::cli_json(testing::form_scan(), true));
}

TEST_F(ServeEndpoints, LineModeJsonBodyWithBase64AnswersTheClisJson) {
  const auto file = testing::fixtures() / "images" / "small_96x32.png";
  const std::string bytes = testing::file_bytes(file);
  const std::string b64 = testing::base64(bytes);
  const nlohmann::json body = {{"file", b64}, {"filename", "line.png"}, {"mode", "line"}};
  const auto res = server_->client().Post("/v1/ocr", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  testing::expect_same_answer(without_image(res->body, "line.png"), testing::cli_json(file, false));
}

TEST_F(ServeEndpoints, RawBodyWithQueryOptions) {
  const auto file = testing::fixtures() / "images" / "small_96x32.png";
  const auto res = server_->client().Post("/v1/ocr?mode=line&filename=raw.png",
                                          testing::file_bytes(file), "image/png");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  testing::expect_same_answer(without_image(res->body, "raw.png"), testing::cli_json(file, false));
}

TEST_F(ServeEndpoints, FormatsByParameterAndAccept) {
  auto c = server_->client();
  const auto csv = c.Post("/v1/ocr", upload(testing::form_scan(), {{"template", "form", "", ""},
                                                                   {"format", "csv", "", ""}}));
  ASSERT_TRUE(csv);
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(csv->body.rfind("file,page,index,name,x,y,w,h,text,confidence", 0), 0u) << csv->body;
  httplib::Headers accept_hocr = {{"Accept", "text/vnd.hocr+html"}};
  const auto hocr =
      c.Post("/v1/ocr", accept_hocr, upload(testing::form_scan(), {{"template", "form", "", ""}}));
  ASSERT_TRUE(hocr);
  ASSERT_EQ(hocr->status, 200) << hocr->body;
  EXPECT_NE(hocr->body.find("class=\"ocr_page\""), std::string::npos) << hocr->body.substr(0, 400);
  const auto alto = c.Post("/v1/ocr", upload(testing::form_scan(), {{"template", "form", "", ""},
                                                                    {"format", "alto", "", ""}}));
  ASSERT_TRUE(alto);
  EXPECT_NE(alto->body.find("<alto"), std::string::npos);
  EXPECT_EQ(alto->get_header_value("Content-Type"), "application/alto+xml; charset=utf-8");
}

TEST_F(ServeEndpoints, FieldNamesGivenWithTheRequest) {
  const auto res = server_->client().Post(
      "/v1/ocr", upload(testing::form_scan(), {{"template", "form", "", ""},
                                               {"fields", R"(["surname", "city"])", "", ""}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto fields = nlohmann::json::parse(res->body)["fields"];
  EXPECT_EQ(fields[0]["name"], "surname");
  EXPECT_EQ(fields[1]["name"], "city");
  EXPECT_EQ(fields[2]["name"], "");
}

TEST_F(ServeEndpoints, MetricsCountRequestsAndRegions) {
  auto c = server_->client();
  c.Post("/v1/ocr", upload(testing::form_scan(), {{"template", "form", "", ""}}));
  const auto res = c.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  for (const char* line :
       {"mlxocr_requests_total{endpoint=\"/v1/ocr\",status=\"200\"}",
        "# TYPE mlxocr_request_seconds histogram", "mlxocr_request_seconds_bucket{le=\"+Inf\"}",
        "mlxocr_queue_length 0", "mlxocr_batch_regions_count", "mlxocr_regions_total "}) {
    EXPECT_NE(res->body.find(line), std::string::npos) << line << "\n" << res->body;
  }
  EXPECT_EQ(res->body.find("mlxocr_regions_total 0\n"), std::string::npos);
}

TEST_F(ServeEndpoints, ReviewPageIsServed) {
  const auto res = server_->client().Get("/");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("<title>mlxocr review</title>"), std::string::npos);
}

}  // namespace
}  // namespace mlxocr
