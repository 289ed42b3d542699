// The few HTTP requests the hub download needs, over libcurl: a HEAD whose redirects the caller
// inspects, and a GET streamed into a file at an offset (Range) that follows redirects.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlxocr {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Connection timeout; for a HEAD the whole request's, for a GET the longest time without a
  // byte received (a stalled server).
  long timeout_seconds = 10;
  // A GET fails when fewer than `low_speed_bytes` per second arrive over `low_speed_seconds`
  // (a server that trickles a byte now and then never stalls, but never finishes either).
  long low_speed_bytes = 1024;
  long low_speed_seconds = 60;
  // The size the file must end at (offset included), when known: a GET announcing more
  // (Content-Length, Content-Range) fails before a byte is written, and one sending more is
  // stopped at this size, so a server that never ends a body cannot fill the disk.
  std::optional<std::uint64_t> expected_size;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the last response; names in lower case
  std::string url;                             // the URL that gave the last response
  std::string body;  // error bodies only (at most 64 KiB): a GET's data goes to its file
  std::string header(const std::string& lower_case_name) const {
    auto it = headers.find(lower_case_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Bytes received so far (file offset included) and the total expected (0 when unknown).
using ProgressCallback = std::function<void(std::uint64_t done, std::uint64_t total)>;

// HEAD `request.url` without following redirects. Throws HubNetworkError when no response came.
HttpResponse http_head(const HttpRequest& request);

// GET `request.url`, following up to 10 redirects (an Authorization header is not sent to another
// host). A 200 or 206 body is written to `file`: appended at `offset` when the server honours
// "Range: bytes=offset-" (206), from the start otherwise (the file is truncated first).
// Throws HubNetworkError when the transfer fails midway (the bytes received stay in the file).
HttpResponse http_get_to_file(const HttpRequest& request, const std::filesystem::path& file,
                              std::uint64_t offset, const ProgressCallback& progress = {});

// Percent-encodes everything but unreserved characters (RFC 3986), e.g. a revision "refs/pr/1".
std::string url_encode(const std::string& text);

}  // namespace mlxocr
