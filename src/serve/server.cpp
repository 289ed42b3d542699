#include "serve/server.h"

#include <fcntl.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "mlxocr/error.h"
#include "mlxocr/limit_error.h"
#include "pipeline/field_names.h"
#include "pipeline/writers.h"
#include "pipeline/xml_writers.h"
#include "serve/review_page.h"

namespace mlxocr::serve {

namespace {

using Clock = std::chrono::steady_clock;

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_json(message), "application/json");
}

// The endpoint label of a request in /metrics: known paths only (a client cannot grow the
// metric's label set).
std::string endpoint_of(const std::string& path) {
  for (const char* known : {"/v1/ocr", "/v1/models", "/v1/templates", "/health", "/metrics", "/"}) {
    if (path == known) return known;
  }
  return "other";
}

// httplib's own refusals, named (its status_message is internal to the compiled library).
std::string status_text(int status) {
  switch (status) {
    case 400:
      return "Bad Request: the request is malformed";
    case 404:
      return "Not Found: see GET / or mlxocr serve --help for the endpoints";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large: the body is larger than --max-body-mb";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

// Compares in time independent of where the strings differ (the API key).
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::filesystem::path make_private_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mlxocr-serve-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    throw FileError(pattern + ": cannot create the upload folder: " + std::strerror(errno));
  }
  return pattern;  // mkdtemp makes it 0700
}

void write_private_file(const std::filesystem::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw FileError(path.string() + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw FileError(path.string() + ": cannot write: " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

std::string render(const std::vector<PageResult>& pages, const std::string& format,
                   RegionMode mode) {
  if (format == "json") {
    if (pages.size() == 1) return to_json(pages[0]).dump(2) + "\n";
    nlohmann::json all = nlohmann::json::array();
    for (const PageResult& page : pages)
      all.push_back(to_json(page));
    return all.dump(2) + "\n";
  }
  if (format == "csv") return format_table(pages, ',');
  if (format == "tsv") return format_table(pages, '\t');
  std::string out;
  for (const PageResult& page : pages) {
    if (format == "hocr") out += format_hocr(page, mode);
    if (format == "alto") out += format_alto(page, mode);
    if (format == "page") out += format_page_xml(page, mode, utc_now());
    if (format == "text") out += format_text(page, mode);
  }
  return out;
}

// The request's fields from a multipart form, a JSON body or a raw body, then its query
// parameters.
OcrRequest read_request(const httplib::Request& req, RequestFields& fields) {
  OcrRequest request;
  const std::string type = req.get_header_value("Content-Type");
  if (req.is_multipart_form_data()) {
    for (const auto& [name, part] : req.files) {
      if (name == "file") {
        request.bytes = part.content;
        request.filename = part.filename;
      } else {
        fields[name] = part.content;
      }
    }
  } else if (type.rfind("application/json", 0) == 0) {
    fields = parse_json_body(req.body, request.bytes);
  } else {
    request.bytes = req.body;  // the file itself (curl --data-binary @scan.png)
  }
  for (const auto& [name, value] : req.params)
    fields[name] = value;
  if (fields.count("filename")) request.filename = fields["filename"];
  request.filename = clean_filename(request.filename);
  if (request.bytes.empty()) {
    throw RequestError(400,
                       "no file: send a multipart part named \"file\", a JSON body with "
                       "\"file\" (base64), or the file as the body");
  }
  return request;
}

}  // namespace

std::string error_json(const std::string& message) {
  // One line: newlines of a message (an exception's text) become spaces.
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return nlohmann::json{{"error", line}}.dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace) +
         "\n";
}

Server::Server(ServeConfig config, ServerOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      batcher_(options_.batcher, metrics_),
      http_(std::make_unique<httplib::Server>()),
      upload_dir_(make_private_dir()) {
  routes();
}

Server::~Server() {
  run_over_ = true;
  stop();
  batcher_.stop();
  std::error_code ec;
  std::filesystem::remove_all(upload_dir_, ec);
}

int Server::bind() {
  const int threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket_ = sock;
  });
  const int port = options_.port == 0
                       ? http_->bind_to_any_port(options_.host)
                       : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port < 0) {
    throw UsageError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                     " (in use, or not an address of this machine)");
  }
  // Debian's compiled httplib listens with a backlog of 5: more clients connecting at once than
  // that overflow it, and the kernel resets some of them. Linux raises the backlog of a socket
  // that already listens when listen() is called again.
  if (listen_socket_ >= 0) ::listen(listen_socket_, SOMAXCONN);
  // The usual pipelines: each model alone and all together in line mode, and every template.
  std::vector<PipelineOptions> preload{config_.base};
  for (const auto& [name, file] : config_.templates) {
    PipelineOptions form = config_.base;
    form.mode = RegionMode::kForm;
    form.template_file = file;
    const auto fields = config_.fields_files.find(name);
    if (fields != config_.fields_files.end()) form.fields_file = fields->second;
    preload.push_back(form);
  }
  batcher_.start(std::move(preload), [this](std::exception_ptr error) {
    if (!error) {
      ready_ = true;
      return;
    }
    {
      std::lock_guard lock(load_mutex_);
      load_error_ = error;
    }
    // run() may not be listening yet, and httplib's stop() does nothing before it is.
    while (!http_->is_running() && !run_over_)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop();
  });
  return port;
}

void Server::run() {
  http_->listen_after_bind();
  run_over_ = true;
  batcher_.stop();  // every accepted request is answered by now
  std::lock_guard lock(load_mutex_);
  if (load_error_) std::rethrow_exception(load_error_);
}

void Server::stop() {
  http_->stop();
}

void Server::routes() {
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // A declared size over the limit is refused before the body is read, and the connection
    // closed (its body would otherwise be read as the next request).
    if (req.has_header("Content-Length") &&
        std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) >
            options_.max_body_bytes) {
      send_error(res, 413,
                 "the body is larger than --max-body-mb (" +
                     std::to_string(options_.max_body_bytes >> 20) + " MiB)");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    // httplib 0.11 reads a chunked body whole whatever its length: only declared sizes pass.
    if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
      send_error(res, 411, "send the body with a Content-Length (chunked bodies are refused)");
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (options_.api_key.empty() || req.path == "/health" || req.path == "/") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) != 0 || !same_secret(auth.substr(7), options_.api_key)) {
      send_error(res, 401, "missing or wrong API key (Authorization: Bearer KEY)");
      res.set_header("WWW-Authenticate", "Bearer");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // httplib's own refusals (404, 413 for a chunked body over the limit, 400 for a malformed
  // request) get the same one-line JSON as ours.
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(error_json(status_text(res.status)), "application/json");
    }
  });
  http_->set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) { send_error(res, 500, "internal error"); });
  http_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    metrics_.request_done(endpoint_of(req.path), res.status);
  });
  http_->Post("/v1/ocr", [this](const httplib::Request& req, httplib::Response& res) {
    handle_ocr(req, res);
  });
  http_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json models = nlohmann::json::array();
    for (std::size_t i = 0; i < config_.base.models.size(); ++i) {
      const std::string& name = config_.base.models[i];
      models.push_back({{"name", name.empty() ? "default" : name}, {"first", i == 0}});
    }
    res.set_content(nlohmann::json{{"models", models}}.dump() + "\n", "application/json");
  });
  http_->Get("/v1/templates", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::json templates = nlohmann::json::array();
    for (const auto& [name, file] : config_.templates)
      templates.push_back({{"name", name}, {"named_fields", config_.fields_files.count(name) > 0}});
    res.set_content(nlohmann::json{{"templates", templates}}.dump() + "\n", "application/json");
  });
  http_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    res.status = ready_ ? 200 : 503;
    res.set_content(std::string("{\"status\":\"") + (ready_ ? "ready" : "loading") + "\"}\n",
                    "application/json");
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.exposition(), "text/plain; version=0.0.4");
  });
  http_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(review_page_html(), "text/html; charset=utf-8");
  });
}

std::shared_ptr<Job> Server::make_job(const OcrRequest& request) {
  auto job = std::make_shared<Job>();
  job->options = request.options;
  job->key = options_key(job->options);
  const std::filesystem::path file = upload_dir_ / ("upload-" + std::to_string(++uploads_));
  write_private_file(file, request.bytes);
  job->file = file;
  return job;
}

void Server::handle_ocr(const httplib::Request& req, httplib::Response& res) {
  const auto start = Clock::now();
  try {
    RequestFields fields;
    OcrRequest request = read_request(req, fields);
    request.options = request_options(fields, config_);
    request.format = pick_format(fields["format"], req.get_header_value("Accept"));
    if (fields.count("fields")) {
      if (request.options.mode != RegionMode::kForm) {
        throw RequestError(400, "fields names a template's boxes: it needs a template");
      }
      request.field_names_json = fields["fields"];
    }
    std::shared_ptr<Job> job = make_job(request);
    std::future<std::vector<PageResult>> result = job->result.get_future();
    if (!batcher_.submit(job)) {
      res.set_header("Retry-After", "1");
      throw RequestError(503, "the queue is full; retry later");
    }
    if (result.wait_for(options_.request_timeout) != std::future_status::ready) {
      job->abandoned = true;
      throw RequestError(504, "not read within the request timeout (" +
                                  std::to_string(options_.request_timeout.count()) + " s)");
    }
    std::vector<PageResult> pages = result.get();
    res.set_content(answer(request, std::move(pages), *job), content_type(request.format));
  } catch (const RequestError& e) {
    send_error(res, e.status(), e.what());
  } catch (const UsageError& e) {  // LimitError included
    send_error(res, 400, e.what());
  } catch (const Error& e) {
    send_error(res, 422, e.what());
  }
  metrics_.observe_latency(std::chrono::duration<double>(Clock::now() - start).count());
}

std::string Server::answer(OcrRequest& request, std::vector<PageResult> pages, const Job& job) {
  bool any_read = false;
  for (PageResult& page : pages) {
    page.source = request.filename;
    replace_all(page.error, job.file.string(), request.filename);
    any_read = any_read || page.error.empty();
    if (request.field_names_json && page.error.empty()) {
      const std::vector<std::string> names =
          parse_field_names(*request.field_names_json, "fields", page.template_boxes);
      for (FieldResult& field : page.fields) {
        if (field.index >= 1 && static_cast<std::size_t>(field.index) <= names.size())
          field.name = names[field.index - 1];
      }
    }
  }
  if (!any_read) {
    throw RequestError(422, pages.empty() ? request.filename + ": no page read" : pages[0].error);
  }
  return render(pages, request.format, request.options.mode);
}

}  // namespace mlxocr::serve
