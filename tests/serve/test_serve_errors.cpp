// Bad requests: each gets a 4xx with one line of JSON {"error": ...}, and the server goes on.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "serve_support.h"

namespace mlxocr {
namespace {

using testing::LocalServer;

constexpr const char* kKey = "s3cret-key";

class ServeErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serve::ServerOptions options;
    options.api_key = kKey;
    options.max_body_bytes = 4 << 20;
    server_ = new LocalServer(options);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // The answer is `status` with a one-line JSON error mentioning `words`; then the server
  // still reads a form.
  static void expect_refused(const httplib::Result& res, int status, const std::string& words) {
    ASSERT_TRUE(res) << "no answer";
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    ASSERT_FALSE(res->body.empty());
    EXPECT_EQ(res->body.find('\n'), res->body.size() - 1) << "not one line: " << res->body;
    const auto j = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << res->body;
    EXPECT_NE(j.value("error", "").find(words), std::string::npos) << res->body;
    expect_still_serving();
  }
  static void expect_still_serving() {
    auto c = server_->client(kKey);
    httplib::MultipartFormDataItems items = {
        {"template", "form", "", ""},
        {"file", testing::file_bytes(testing::form_scan()), "scan.png", ""}};
    const auto res = c.Post("/v1/ocr", items);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
  static LocalServer* server_;
};
LocalServer* ServeErrors::server_ = nullptr;

TEST_F(ServeErrors, NoFile) {
  httplib::MultipartFormDataItems items = {{"template", "form", "", ""}};
  expect_refused(server_->client(kKey).Post("/v1/ocr", items), 400, "no file");
}

TEST_F(ServeErrors, CorruptImage) {
  const auto bad = testing::fixtures() / "images" / "bad" / "truncated.png";
  httplib::MultipartFormDataItems items = {
      {"file", testing::file_bytes(bad), "truncated.png", "image/png"}};
  const auto res = server_->client(kKey).Post("/v1/ocr", items);
  expect_refused(res, 422, "truncated.png");
  // The private upload path is not shown to the client.
  EXPECT_EQ(res->body.find("mlxocr-serve-"), std::string::npos) << res->body;
}

TEST_F(ServeErrors, ImageOverThePixelBudget) {
  const auto bomb = testing::fixtures() / "images" / "bad" / "bomb_100000x100000.png";
  httplib::MultipartFormDataItems items = {{"file", testing::file_bytes(bomb), "bomb.png", ""}};
  expect_refused(server_->client(kKey).Post("/v1/ocr", items), 422, "bomb.png");
}

TEST_F(ServeErrors, WrongTemplateName) {
  httplib::MultipartFormDataItems items = {
      {"template", "invoice", "", ""},
      {"file", testing::file_bytes(testing::form_scan()), "scan.png", ""}};
  expect_refused(server_->client(kKey).Post("/v1/ocr", items), 400,
                 "unknown template 'invoice' (this server has: form)");
}

TEST_F(ServeErrors, UnknownModelAndBadOptions) {
  const std::string scan = testing::file_bytes(testing::form_scan());
  auto c = server_->client(kKey);
  expect_refused(c.Post("/v1/ocr", httplib::MultipartFormDataItems{{"models", "other", "", ""},
                                                                   {"file", scan, "s.png", ""}}),
                 400, "unknown model 'other'");
  expect_refused(c.Post("/v1/ocr", httplib::MultipartFormDataItems{{"num_beams", "9999", "", ""},
                                                                   {"file", scan, "s.png", ""}}),
                 400, "num_beams must be a whole number in 1..16");
  expect_refused(c.Post("/v1/ocr", httplib::MultipartFormDataItems{{"colour", "red", "", ""},
                                                                   {"file", scan, "s.png", ""}}),
                 400, "unknown option 'colour'");
  expect_refused(c.Post("/v1/ocr?format=docx", scan, "image/png"), 400, "unknown format 'docx'");
}

TEST_F(ServeErrors, MalformedJson) {
  expect_refused(server_->client(kKey).Post("/v1/ocr", "{\"file\": \"AAAA\", ", "application/json"),
                 400, "not valid JSON");
  expect_refused(
      server_->client(kKey).Post("/v1/ocr", R"({"file": "@@not base64@@"})", "application/json"),
      400, "not valid base64");
}

TEST_F(ServeErrors, MissingOrWrongApiKey) {
  expect_refused(server_->client().Get("/v1/models"), 401, "API key");
  expect_refused(server_->client("wrong").Get("/v1/models"), 401, "API key");
  expect_refused(server_->client("wrong").Get("/metrics"), 401, "API key");
  // Health and the page need none (a load balancer's probe; the page asks for the key).
  const auto health = server_->client().Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ServeErrors, UnknownPath) {
  expect_refused(server_->client(kKey).Get("/v2/nothing"), 404, "Not Found");
}

// A 2 GB body is refused from its Content-Length before a byte of it is sent.
TEST_F(ServeErrors, HugeBodyRefusedBeforeItIsRead) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(server_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const std::string head = "POST /v1/ocr HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                           std::string(kKey) +
                           "\r\nContent-Type: image/png\r\nContent-Length: 2147483648\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  char buffer[4096];
  // Until the end of the one-line JSON (the server keeps the connection for its keep-alive
  // time, since the body it refused may never come).
  for (ssize_t n;
       answer.find("}\n") == std::string::npos && (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("{\"error\":\"the body is larger than --max-body-mb (4 MiB)\"}"),
            std::string::npos)
      << answer;
  expect_still_serving();
}

// A chunked body (no Content-Length) is refused: httplib 0.11 would read it whole.
TEST_F(ServeErrors, ChunkedBodyOverTheLimit) {
  auto c = server_->client(kKey);
  const std::string big(5 << 20, 'x');
  size_t sent = 0;
  const auto res = c.Post(
      "/v1/ocr",
      [&](size_t, httplib::DataSink& sink) {
        const size_t n = std::min<size_t>(1 << 16, big.size() - sent);
        if (n == 0) {
          sink.done();
          return true;
        }
        sent += n;
        return sink.write(big.data() + sent - n, n);
      },
      "image/png");
  if (res) {  // else the server closed the connection while the client was still sending
    EXPECT_EQ(res->status, 411) << res->body;
    EXPECT_NE(res->body.find("chunked bodies are refused"), std::string::npos) << res->body;
  }
  expect_still_serving();
}

// A model that cannot be loaded stops the real binary with `mlxocr ocr`'s exit code for it
// (not a server that is never ready).
TEST(ServeStart, ModelThatCannotBeLoadedExits) {
  const std::string missing = (testing::fixtures() / "no_such_model").string();
  testing::ServeProcess process({"-m", missing});
  ASSERT_GT(process.port(), 0);
  const int code = process.wait();
  EXPECT_NE(code, 0);
  EXPECT_EQ(code,
            testing::run_cli("ocr -q -m '" + missing + "' '" + testing::form_scan().string() + "'")
                .exit_code);
}

}  // namespace
}  // namespace mlxocr
