// `mlxocr serve`: the HTTP front end of the pipeline (README "HTTP service").
//
//   POST /v1/ocr        one file (multipart "file", JSON {"file": BASE64}, or the raw body) read
//                       with the request's options; answers the CLI's JSON, or CSV/TSV/text/hOCR/
//                       ALTO/PAGE by `format` or Accept
//   GET  /v1/models     the loaded models;   GET /v1/templates   the form templates by name
//   GET  /health        200 once the models are loaded, 503 before
//   GET  /metrics       Prometheus text;     GET /   the review page
//
// Every refused request gets a 4xx (5xx: the server's own trouble) with one line of JSON,
// {"error": "..."}, and the server goes on serving. Uploads go to a private temporary folder
// (0700, files 0600), removed as soon as their request is answered.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "serve/batcher.h"
#include "serve/metrics.h"
#include "serve/request.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace mlxocr::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (bound_port() says which)
  std::size_t max_body_bytes = std::size_t{64} << 20;
  std::chrono::seconds request_timeout{120};
  std::string api_key;  // "": no authentication
  int threads = 48;     // connections served at once
  BatcherOptions batcher;
};

class Server {
 public:
  Server(ServeConfig config, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket (throws Error when it cannot) and starts loading the models; returns the
  // port.
  int bind();
  // Serves until stop(); then finishes the accepted requests. Rethrows the error that refused a
  // model or template at start-up.
  void run();
  // Stops accepting connections; safe from any thread (not from a signal handler).
  void stop();
  bool ready() const { return ready_; }

 private:
  void routes();
  void handle_ocr(const httplib::Request& req, httplib::Response& res);
  std::shared_ptr<Job> make_job(const OcrRequest& request);
  std::string answer(OcrRequest& request, std::vector<PageResult> pages, const Job& job);

  ServeConfig config_;
  ServerOptions options_;
  Metrics metrics_;
  Batcher batcher_;
  std::unique_ptr<httplib::Server> http_;
  std::filesystem::path upload_dir_;
  std::atomic<std::uint64_t> uploads_{0};
  std::atomic<bool> ready_{false};
  std::atomic<int> listen_socket_{-1};  // set by httplib's socket-options hook in bind()
  std::atomic<bool> run_over_{false};   // run() returned, or never will
  std::mutex load_mutex_;
  std::exception_ptr load_error_;
};

// One line of JSON: {"error": message}.
std::string error_json(const std::string& message);

}  // namespace mlxocr::serve
