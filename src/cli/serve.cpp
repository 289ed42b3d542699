// mlxocr serve: the pipeline as an HTTP service (src/serve/), with its options and manual.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/commands.h"
#include "image/image.h"
#include "mlxocr/error.h"
#include "serve/server.h"

namespace mlxocr::cli {

namespace {

namespace fs = std::filesystem;

struct ServeArgs {
  std::vector<std::string> models, templates, fields;
  std::string layout = "tesseract";
  int max_body_mb = 64, timeout_s = 120, max_wait_ms = 10, queue_size = 32, threads = 48;
  int max_batch_requests = 32, max_pipelines = 8, max_request_tokens = 256;
  serve::ServerOptions server;
  PipelineOptions pipeline;
};

// "NAME=PATH", or PATH named by its file stem.
std::pair<std::string, std::string> named_path(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq != std::string::npos && eq > 0) return {text.substr(0, eq), text.substr(eq + 1)};
  return {fs::path(text).stem().string(), text};
}

serve::ServeConfig make_config(ServeArgs& args) {
  serve::ServeConfig config;
  config.base = args.pipeline;
  config.base.models = args.models.empty() ? std::vector<std::string>{""} : args.models;
  config.base.layout = args.layout == "simple" ? LayoutEngine::kSimple : LayoutEngine::kTesseract;
  config.base.max_pixels = default_max_pixels();
  config.max_new_tokens_limit = args.max_request_tokens;
  for (const std::string& t : args.templates) {
    const auto [name, path] = named_path(t);
    if (config.templates.count(name)) throw UsageError("two templates are named '" + name + "'");
    config.templates[name] = path;
  }
  for (const std::string& f : args.fields) {
    const auto [name, path] = named_path(f);
    if (!config.templates.count(name)) {
      throw UsageError("--fields " + f + ": no template is named '" + name + "'");
    }
    config.fields_files[name] = path;
  }
  return config;
}

// SIGTERM and SIGINT stop the server. The handler only sets a flag (OpenBLAS and MLX start
// threads before main, so the signal may arrive on any thread and cannot just be blocked); a
// thread of ours sees it and stops the server, outside signal context.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void on_stop_signal(int signal) {
  g_stop_signal = signal;
}

class SignalWatch {
 public:
  explicit SignalWatch(serve::Server& server) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    thread_ = std::thread([this, &server] {
      while (!done_) {
        if (g_stop_signal != 0) {
          std::cerr << "mlxocr serve: stopping: finishing the accepted requests\n";
          server.stop();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~SignalWatch() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int run(ServeArgs& args) {
  serve::ServerOptions options = args.server;
  options.max_body_bytes = static_cast<std::size_t>(args.max_body_mb) << 20;
  options.request_timeout = std::chrono::seconds(args.timeout_s);
  options.threads = args.threads;
  options.batcher.max_wait = std::chrono::milliseconds(args.max_wait_ms);
  options.batcher.max_queue = static_cast<std::size_t>(args.queue_size);
  options.batcher.max_files = static_cast<std::size_t>(args.max_batch_requests);
  options.batcher.max_pipelines = static_cast<std::size_t>(args.max_pipelines);
  if (options.api_key.empty()) {
    const char* key = std::getenv("MLXOCR_API_KEY");
    if (key) options.api_key = key;
  }
  serve::Server server(make_config(args), options);
  const int port = server.bind();
  std::cout << "mlxocr serve: listening on http://" << options.host << ":" << port
            << " (loading models; GET /health says when ready)" << std::endl;
  SignalWatch watch(server);
  server.run();
  std::cerr << "mlxocr serve: stopped\n";
  return 0;
}

}  // namespace

Action add_serve(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Serve OCR over HTTP, with a review page in the browser");
  auto args = std::make_shared<ServeArgs>();
  PipelineOptions& p = args->pipeline;
  serve::ServerOptions& s = args->server;
  cmd->add_option("--host", s.host, "Address to listen on (0.0.0.0: every interface)")
      ->capture_default_str();
  cmd->add_option("--port", s.port, "TCP port (0: any free port, printed at start)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--model,-m", args->models,
                  "Model folder or hub id, repeatable; requests choose among these by name\n"
                  "(default: the bundled model)")
      ->allow_extra_args(false);
  cmd->add_option("--template,-t", args->templates,
                  "Form template, NAME=PATH or PATH (named by its file stem); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--fields", args->fields,
                  "NAME=PATH: names of template NAME's boxes (the JSON of `mlxocr ocr --fields`)")
      ->allow_extra_args(false);
  cmd->add_option("--batch-size", p.batch_size, "Regions decoded together, across requests")
      ->check(CLI::Range(1, kMaxBatchSize));
  p.batch_size = 32;
  cmd->add_option("--max-wait-ms", args->max_wait_ms,
                  "How long the oldest queued request waits for others to share its batches")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  cmd->add_option("--max-batch-requests", args->max_batch_requests,
                  "Requests read together in one run at most (1: each request alone)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--queue-size", args->queue_size,
                  "Requests waiting at most; more get 503 with Retry-After")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Connections served at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max-body-mb", args->max_body_mb,
                  "Largest request body in MiB; larger ones get 413 before they are read")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--timeout", args->timeout_s, "Seconds a request may take; then 504")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_option("--api-key", s.api_key,
                  "Require Authorization: Bearer KEY on /v1/* and /metrics (also from\n"
                  "MLXOCR_API_KEY, which ps does not show)");
  cmd->add_option("--max-new-tokens", p.max_new_tokens,
                  "Most tokens per region by default (default: the model's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-request-tokens", args->max_request_tokens,
                  "Most tokens per region a request may ask for (max_new_tokens)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  cmd->add_option("--num-beams", p.num_beams, "Beams by default (default: the model's setting)")
      ->check(CLI::Range(1, kMaxNumBeams));
  cmd->add_option("--layout", args->layout, "Page mode's default layout, tesseract | simple")
      ->check(CLI::IsMember({"tesseract", "simple"}))
      ->capture_default_str();
  cmd->add_option("--dpi", p.dpi, "PDF pages are rasterised at this resolution")
      ->check(CLI::Range(10, 600))
      ->capture_default_str();
  cmd->add_option("--max-pipelines", args->max_pipelines,
                  "Sets of request options kept loaded (models + template each)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_max_pixels_option(cmd);
  cmd->footer(R"(Endpoints:
  POST /v1/ocr      one image or PDF: a multipart form with a part "file" (and one part per
                    option), a JSON body {"file": BASE64, "filename": ..., options...}, or the
                    file itself as the body with the options in the query string. Options:
                    mode (line | page | form), template (a NAME of --template; implies form),
                    models (comma-separated names of -m; the first model's text is the result),
                    num_beams, max_new_tokens, min_confidence, align, layout, pages (PDF/TIFF),
                    fields (JSON naming the template's boxes, as --fields of mlxocr ocr), format
                    (json | csv | tsv | text | hocr | alto | page; else from Accept; default
                    json). Answers what `mlxocr ocr --format F FILE` prints for that file, the
                    "image" being the uploaded file's name.
  GET /v1/models    {"models": [{"name", "first"}]}; GET /v1/templates {"templates": [...]}
  GET /health       200 {"status":"ready"} once every model and template is loaded, else 503
  GET /metrics      Prometheus text: mlxocr_requests_total{endpoint,status},
                    mlxocr_regions_total, mlxocr_queue_length, mlxocr_request_seconds,
                    mlxocr_batch_files and mlxocr_batch_regions (histograms)
  GET /             the review page: upload a scan, see each field's box, text and confidence
                    (below 0.5 marked), correct fields, export CSV or JSON

Batching across requests: one thread reads. It takes the oldest queued request and waits up
to --max-wait-ms for others with the same options (at most --max-batch-requests), then reads
their files in one pipeline run, whose regions are decoded --batch-size at a time across the
files, in the order the requests came; each request is answered as soon as its own regions are
read. Each answer holds exactly its own file's results: a region's text does not depend on
the batch it is decoded in.

Limits: a body over --max-body-mb is refused (413) from its Content-Length, before it is read;
every image and PDF page over --max-pixels is refused from its header (422); a full queue
answers 503 with Retry-After: 1; a request not read within --timeout answers 504. Uploads are
written to a private temporary folder (0700, files 0600) and removed once answered.
Errors: 400 a bad option, an unknown template or model, malformed JSON, no file; 401 a missing
or wrong API key; 413; 422 an unreadable, corrupt or oversized image; 503; 504. Every error is
one line of JSON, {"error": "..."}, and the server goes on serving.

Security: listens on 127.0.0.1 unless --host says otherwise. Put it behind a reverse proxy
(TLS, client limits) before exposing it; with --api-key, /v1/* and /metrics need
"Authorization: Bearer KEY" (/ and /health do not: the page asks for the key).
SIGTERM or SIGINT: stop accepting connections, answer every accepted request, exit 0.

Memory: each set of request options in use (models chosen, template, beams, ...) holds its
own pipeline with its own copy of the models; --max-pipelines bounds how many stay loaded.

Examples:
  mlxocr serve -m models/mlxocr-fields-tiny --template invoice=forms/invoice.png
  curl -F file=@scan.png -F template=invoice http://127.0.0.1:8080/v1/ocr
  curl -H 'Accept: text/csv' --data-binary @line.png http://127.0.0.1:8080/v1/ocr)");
  return [args] { return run(*args); };
}

}  // namespace mlxocr::cli
