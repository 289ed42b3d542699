#include "io/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <system_error>

#include "core/printable.h"
#include "mlxocr/error.h"

namespace mlxocr {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxErrorBody = 64 << 10;
// Headers of all the responses of one request together (redirects included); curl bounds a
// single header line, this bounds a server that sends header lines without end.
constexpr size_t kMaxHeaderBytes = 256 << 10;
constexpr long kMaxRedirects = 10;

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

std::unique_ptr<CURL, CurlDeleter> new_handle() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) throw HubError("cannot initialise libcurl");
  return curl;
}

std::string lower(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

struct HeaderSink {
  HttpResponse* response = nullptr;
  size_t bytes = 0;
  bool too_large = false;
};

// Collects the headers of the last response (a redirect's are replaced by the next response's).
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  HttpResponse* response = sink->response;
  sink->bytes += size * count;
  if (sink->bytes > kMaxHeaderBytes) {
    sink->too_large = true;
    return 0;  // stops the transfer
  }
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    response->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * count;
}

struct Download {
  CURL* curl = nullptr;
  fs::path file;
  std::uint64_t offset = 0;
  HttpResponse* response = nullptr;
  std::unique_ptr<std::FILE, FileCloser> out;
  bool started = false;
  std::uint64_t base = 0;           // bytes in the file before this transfer's first byte
  std::uint64_t written = 0;        // bytes of this transfer written to the file
  std::string failure;              // set when a callback stops the transfer
  bool failure_is_network = false;  // the failure is worth a retry (too slow)
  bool error_body_full = false;     // an error body reached kMaxErrorBody: the rest is not read
  const HttpRequest* request = nullptr;
  const ProgressCallback* progress = nullptr;
  // The low-speed check: bytes received at the start of the current window, and when.
  std::uint64_t window_bytes = 0;
  std::chrono::steady_clock::time_point window_start = std::chrono::steady_clock::now();
};

// Parses the first byte of "bytes START-END/TOTAL".
std::uint64_t content_range_start(const std::string& value) {
  const size_t space = value.find(' ');
  if (space == std::string::npos) return UINT64_MAX;
  try {
    return std::stoull(value.substr(space + 1));
  } catch (...) {
    return UINT64_MAX;
  }
}

// The total after "/" of "bytes START-END/TOTAL"; nullopt when absent or "*".
std::optional<std::uint64_t> content_range_total(const std::string& value) {
  const size_t slash = value.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    return std::stoull(value.substr(slash + 1));
  } catch (...) {
    return std::nullopt;
  }
}

// The body of the response starting now would end past the expected size: a reason, else "".
std::string announced_too_much(const Download& d, long status) {
  const std::optional<std::uint64_t> expected = d.request->expected_size;
  if (!expected) return "";
  const std::string length = d.response->header("content-length");
  std::uint64_t end = 0;
  try {
    end = length.empty() ? 0 : std::stoull(length);
  } catch (...) {
    return "";  // an unreadable Content-Length: the bytes are counted as they come
  }
  if (status == 206) {
    end += d.offset;
    const auto total = content_range_total(d.response->header("content-range"));
    if (total && *total != *expected) {
      return "the server's Content-Range gives a file of " + std::to_string(*total) +
             " bytes, the hub's metadata " + std::to_string(*expected);
    }
  }
  if (end <= *expected) return "";
  return "the server announced " + std::to_string(end) + " bytes (Content-Length), more than the " +
         std::to_string(*expected) + " of the hub's metadata";
}

// An error status: keeps the start of the body for the message and stops reading at the cap.
size_t keep_error_body(Download& d, const char* data, size_t bytes) {
  std::string& body = d.response->body;
  const size_t room = kMaxErrorBody - std::min(kMaxErrorBody, body.size());
  body.append(data, std::min(bytes, room));
  if (bytes <= room) return bytes;
  d.error_body_full = true;
  return 0;  // stops the transfer: an endless error page is not read to its end
}

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200 && status != 206) return keep_error_body(*d, data, bytes);
  if (!d->started) {
    d->started = true;
    d->failure = announced_too_much(*d, status);
    if (!d->failure.empty()) return 0;
    std::error_code ec;
    if (status == 206) {
      if (content_range_start(d->response->header("content-range")) != d->offset) {
        d->failure = "the server resumed at the wrong offset (Content-Range: " +
                     printable(d->response->header("content-range")) + ", expected byte " +
                     std::to_string(d->offset) + ")";
        return 0;
      }
      fs::resize_file(d->file, d->offset, ec);
      d->base = d->offset;
    } else {
      d->base = 0;
    }
    d->out.reset(std::fopen(d->file.c_str(), d->base ? "ab" : "wb"));
    if (!d->out || ec) {
      d->failure = d->file.string() + ": cannot open for writing";
      return 0;
    }
  }
  const std::optional<std::uint64_t> expected = d->request->expected_size;
  const bool too_long = expected && d->base + d->written + bytes > *expected;
  if (too_long) bytes = static_cast<size_t>(*expected - std::min(*expected, d->base + d->written));
  if (std::fwrite(data, 1, bytes, d->out.get()) != bytes) {
    d->failure = d->file.string() + ": write failed (disk full?)";
    return 0;
  }
  d->written += bytes;
  if (too_long) {
    d->failure = "the server sent more than the " + std::to_string(*expected) +
                 " bytes of the hub's metadata; stopped there";
    return 0;
  }
  return size * count;
}

// Fails the transfer when less than low_speed_bytes/s arrived over the last low_speed_seconds.
bool too_slow(Download& d, std::uint64_t received) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - d.window_start).count();
  if (seconds < static_cast<double>(d.request->low_speed_seconds)) return false;
  const double rate = static_cast<double>(received - d.window_bytes) / seconds;
  if (rate < static_cast<double>(d.request->low_speed_bytes)) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "the transfer was slower than %ld bytes/s for %ld s (%.0f bytes/s); given up",
                  d.request->low_speed_bytes, d.request->low_speed_seconds, rate);
    d.failure = text;
    d.failure_is_network = true;
    return true;
  }
  d.window_start = now;
  d.window_bytes = received;
  return false;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* d = static_cast<Download*>(user);
  const bool check_speed = d->request->low_speed_bytes > 0 && d->request->low_speed_seconds > 0;
  if (check_speed && too_slow(*d, static_cast<std::uint64_t>(now))) return 1;
  if (d->started && d->progress && *d->progress) {
    (*d->progress)(d->base + static_cast<std::uint64_t>(now),
                   total > 0 ? d->base + static_cast<std::uint64_t>(total) : 0);
  }
  return 0;
}

void set_common(CURL* curl, const HttpRequest& request, curl_slist* headers, HeaderSink& sink,
                char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "mlxocr/" MLXOCR_VERSION);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

std::unique_ptr<curl_slist, HeaderListDeleter> header_list(const std::vector<std::string>& lines) {
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (!next) {
      curl_slist_free_all(list);
      throw HubError("out of memory building HTTP headers");
    }
    list = next;
  }
  curl_slist* next = curl_slist_append(list, "Accept-Encoding: identity");
  if (!next) {
    curl_slist_free_all(list);
    throw HubError("out of memory building HTTP headers");
  }
  return std::unique_ptr<curl_slist, HeaderListDeleter>(next);
}

[[noreturn]] void throw_network_error(const std::string& url, CURLcode code, const char* detail) {
  std::string message = printable(url, 500) + ": " + curl_easy_strerror(code);
  if (detail && *detail) message += " (" + printable(detail) + ")";
  throw HubNetworkError(message);
}

}  // namespace

[[noreturn]] void throw_headers_too_large(const std::string& url) {
  throw HubError(printable(url, 500) + ": the server sent more than " +
                 std::to_string(kMaxHeaderBytes >> 10) + " KiB of headers; given up");
}

HttpResponse http_head(const HttpRequest& request) {
  auto curl = new_handle();
  HttpResponse response;
  HeaderSink sink{&response};
  char error_buffer[CURL_ERROR_SIZE] = {};
  const auto headers = header_list(request.headers);
  set_common(curl.get(), request, headers.get(), sink, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, request.timeout_seconds);
  const CURLcode code = curl_easy_perform(curl.get());
  if (sink.too_large) throw_headers_too_large(request.url);
  if (code != CURLE_OK) throw_network_error(request.url, code, error_buffer);
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.url = request.url;
  return response;
}

HttpResponse http_get_to_file(const HttpRequest& request, const fs::path& file,
                              std::uint64_t offset, const ProgressCallback& progress) {
  auto curl = new_handle();
  HttpResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::vector<std::string> lines = request.headers;
  if (offset > 0) lines.push_back("Range: bytes=" + std::to_string(offset) + "-");
  const auto headers = header_list(lines);
  HeaderSink sink{&response};
  set_common(curl.get(), request, headers.get(), sink, error_buffer);
  Download download;
  download.request = &request;
  download.curl = curl.get();
  download.file = file;
  download.offset = offset;
  download.response = &response;
  download.progress = &progress;
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &download);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &download);
  // A stalled transfer (no byte for timeout_seconds) fails; a slow one does not.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, request.timeout_seconds);
  const CURLcode code = curl_easy_perform(curl.get());
  download.out.reset();  // flush what arrived, even on failure: a retry resumes after it
  if (sink.too_large) throw_headers_too_large(request.url);
  if (download.failure_is_network)
    throw HubNetworkError(printable(request.url, 500) + ": " + download.failure);
  if (!download.failure.empty())
    throw HubError(printable(request.url, 500) + ": " + download.failure);
  if (code != CURLE_OK && !download.error_body_full) {
    throw_network_error(request.url, code, error_buffer);
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  char* last_url = nullptr;
  curl_easy_getinfo(curl.get(), CURLINFO_EFFECTIVE_URL, &last_url);
  response.url = last_url ? last_url : request.url;
  if ((response.status == 200 || response.status == 206) && !download.started) {
    // An empty body: the file is then empty (or unchanged past the offset for a 206).
    std::error_code ec;
    if (response.status == 200) {
      std::unique_ptr<std::FILE, FileCloser> out(std::fopen(file.c_str(), "wb"));
      if (!out) throw HubError(file.string() + ": cannot open for writing");
    } else {
      fs::resize_file(file, offset, ec);
    }
  }
  return response;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace mlxocr
