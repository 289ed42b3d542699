// A server on an ephemeral port for the tests, in this process or as the real binary, and the
// CLI's answer for a file to compare the server's with.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "cli_support.h"
#include "serve/server.h"
#include "test_support.h"

namespace mlxocr::testing {

inline std::string model_path() {
  return model_fixture("deit-trocr").string();
}
inline std::filesystem::path form_template() {
  return fixtures() / "forms" / "00_template.png";
}
inline std::filesystem::path form_scan() {
  return fixtures() / "forms" / "sample_scan.png";
}

// A white page with `lines` printed lines, far enough apart for the simple layout to find each.
inline std::filesystem::path printed_page(const std::filesystem::path& dir, const std::string& name,
                                          int lines) {
  cv::Mat page(60 + 50 * lines, 700, CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < lines; ++i) {
    cv::putText(page, "Line " + std::to_string(i + 1) + " of the page", {30, 60 + 50 * i},
                cv::FONT_HERSHEY_SIMPLEX, 0.9, cv::Scalar(0), 2);
  }
  const std::filesystem::path file = dir / name;
  cv::imwrite(file.string(), page);
  return file;
}

inline std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  while (out.size() % 4)
    out.push_back('=');
  return out;
}

// Small, fast settings: the random-weight fixture model reading 6 tokens per region.
inline serve::ServeConfig small_config() {
  serve::ServeConfig config;
  config.base.models = {model_path()};
  config.base.max_new_tokens = 6;
  config.base.batch_size = 32;
  config.templates["form"] = form_template().string();
  return config;
}

// A Server running on its own thread, ready (models loaded) when constructed.
class LocalServer {
 public:
  explicit LocalServer(serve::ServerOptions options = {},
                       serve::ServeConfig config = small_config()) {
    options.port = 0;
    server_ = std::make_unique<serve::Server>(std::move(config), options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!server_->ready() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~LocalServer() {
    server_->stop();
    thread_.join();
  }
  httplib::Client client(const std::string& key = "") const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    if (!key.empty()) c.set_bearer_token_auth(key.c_str());
    return c;
  }
  int port() const { return port_; }
  serve::Server& server() { return *server_; }

 private:
  std::unique_ptr<serve::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

// `a` equals `b` but for numbers, which may differ by `tolerance` (relative): the confidences of
// a region depend on the batch it was decoded with in their last digits (BLAS sums in another
// order), and nothing else does.
inline void expect_same_answer(const nlohmann::json& a, const nlohmann::json& b,
                               const std::string& where = "", double tolerance = 1e-5) {
  if (a.is_number_float() || b.is_number_float()) {
    ASSERT_TRUE(a.is_number() && b.is_number()) << where << ": " << a << " vs " << b;
    EXPECT_NEAR(a.get<double>(), b.get<double>(),
                tolerance * std::max(1.0, std::abs(b.get<double>())))
        << where;
  } else if (a.is_object() && b.is_object()) {
    ASSERT_EQ(a.size(), b.size()) << where << ": " << a << " vs " << b;
    for (const auto& [key, value] : b.items()) {
      ASSERT_TRUE(a.contains(key)) << where << "." << key;
      expect_same_answer(a[key], value, where + "." + key, tolerance);
    }
  } else if (a.is_array() && b.is_array()) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (size_t i = 0; i < a.size(); ++i)
      expect_same_answer(a[i], b[i], where + "[" + std::to_string(i) + "]", tolerance);
  } else {
    EXPECT_EQ(a, b) << where;
  }
}

// `mlxocr ocr --format json` on `file` with the same model and settings, "image" removed.
inline nlohmann::json cli_json(const std::filesystem::path& file, bool form) {
  static std::map<std::string, nlohmann::json> cache;
  const std::string key = file.string() + (form ? "|form" : "");
  if (cache.count(key)) return cache[key];
  std::string args = "ocr -q --format json --max-new-tokens 6 --batch-size 32 -m '" + model_path() +
                     "' '" + file.string() + "'";
  if (form) args += " --template '" + form_template().string() + "'";
  const CliResult result = run_cli(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  nlohmann::json j = nlohmann::json::parse(result.out);
  j.erase("image");
  return cache[key] = j;
}

// The real binary, `mlxocr serve --port 0 ARGS`, its port read from its first line.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::vector<std::string> argv_text = {MLXOCR_CLI_PATH, "serve", "--port", "0"};
      argv_text.insert(argv_text.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : argv_text)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
      line.push_back(c);
    ::close(out[0]);
    const std::size_t colon = line.rfind(':', line.find(" (loading"));
    if (colon != std::string::npos) port_ = std::atoi(line.c_str() + colon + 1);
  }
  ~ServeProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // The exit code, or -1 when it did not exit normally.
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  bool wait_ready(std::chrono::seconds limit) const {
    httplib::Client c("127.0.0.1", port_);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto res = c.Get("/health");
      if (res && res->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  bool waited_ = false;
};

}  // namespace mlxocr::testing
