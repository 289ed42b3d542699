#include "hub/local_hub_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "io/git_blob_hash.h"
#include "io/sha256.h"

namespace mlxocr::testing {

namespace {

constexpr size_t kMaxRequestBytes = 64 << 10;
constexpr int kPollMilliseconds = 50;
constexpr int kReadTimeoutMilliseconds = 5000;
// Bounds of the hostile behaviours: a client that never gives up still ends the test.
constexpr int kHostileSeconds = 20;
constexpr size_t kMaxEndlessBytes = 512ull << 20;

std::string sha256_of(const std::string& data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex_digest();
}

std::string url_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace

struct LocalHubServer::Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  size_t content_length = std::string::npos;  // npos: body.size()
  size_t cut_after = std::string::npos;       // close the connection after this many body bytes
  bool omit_length = false;                   // no Content-Length: the body ends at the close
  Hostile hostile = Hostile::none;
  int trickle_interval_ms = 100;
};

LocalHubServer::LocalHubServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("socket() failed");
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 16) != 0) {
    ::close(listener_);
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

LocalHubServer::~LocalHubServer() {
  stop();
}

void LocalHubServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) {
    ::close(listener_);
    listener_ = -1;
  }
}

void LocalHubServer::add_repo(const std::string& repo, HubRepoFiles files) {
  std::lock_guard lock(mutex_);
  for (const std::string& name : files.lfs)
    blobs_[sha256_of(files.files.at(name))] = files.files.at(name);
  repos_[repo] = std::move(files);
}

void LocalHubServer::require_token(const std::string& token) {
  std::lock_guard lock(mutex_);
  token_ = token;
}

void LocalHubServer::gate(const std::string& repo) {
  std::lock_guard lock(mutex_);
  gated_.push_back(repo);
}

void LocalHubServer::rename(const std::string& old_repo, const std::string& new_repo) {
  std::lock_guard lock(mutex_);
  renamed_[old_repo] = new_repo;
}

void LocalHubServer::truncate_next_transfers(int count, size_t bytes) {
  std::lock_guard lock(mutex_);
  truncate_count_ = count;
  truncate_bytes_ = bytes;
}

void LocalHubServer::misbehave(Hostile behaviour, int trickle_interval_ms) {
  std::lock_guard lock(mutex_);
  hostile_ = behaviour;
  trickle_interval_ms_ = trickle_interval_ms;
}

void LocalHubServer::error_message(const std::string& text) {
  std::lock_guard lock(mutex_);
  error_message_ = text;
}

void LocalHubServer::corrupt(const std::string& sha256, bool corrupted) {
  std::lock_guard lock(mutex_);
  corrupted_.erase(std::remove(corrupted_.begin(), corrupted_.end(), sha256), corrupted_.end());
  if (corrupted) corrupted_.push_back(sha256);
}

std::vector<HubRequest> LocalHubServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t LocalHubServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

void LocalHubServer::clear_requests() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

void LocalHubServer::serve() {
  while (!stopping_) {
    pollfd fds{listener_, POLLIN, 0};
    if (::poll(&fds, 1, kPollMilliseconds) <= 0) continue;
    const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    handle(connection);
    ::close(connection);
  }
}

void LocalHubServer::handle(int connection) {
  // One request per connection: read the head (bounded in size and time), answer, close.
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < kMaxRequestBytes) {
    pollfd fds{connection, POLLIN, 0};
    if (::poll(&fds, 1, kReadTimeoutMilliseconds) <= 0) return;
    const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
    if (got <= 0) return;
    head.append(buffer, static_cast<size_t>(got));
  }
  const size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t first_space = request_line.find(' ');
  const size_t second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return;
  const std::string method = request_line.substr(0, first_space);
  const std::string path = request_line.substr(first_space + 1, second_space - first_space - 1);
  std::string range, authorization;
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    const std::string line = head.substr(pos, end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "range") range = value;
      if (name == "authorization") authorization = value;
    }
    pos = end + 2;
  }

  Response r = respond(method, path, range, authorization);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back({method, path, range, authorization, r.status});
    if (r.status >= 400 && !error_message_.empty()) {
      for (auto& [name, value] : r.headers)
        if (name == "X-Error-Message") value = error_message_;
      r.body = error_message_;
    }
  }
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " Status\r\n";
  for (const auto& [name, value] : r.headers)
    out += name + ": " + value + "\r\n";
  const size_t length = r.content_length == std::string::npos ? r.body.size() : r.content_length;
  if (!r.omit_length) out += "Content-Length: " + std::to_string(length) + "\r\n";
  out += "Connection: close\r\n\r\n";
  if (!send_all(connection, out.data(), out.size())) return;
  send_body(connection, r, method == "HEAD");
}

void LocalHubServer::send_body(int connection, const Response& r, bool head) {
  if (head) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kHostileSeconds);
  const auto in_time = [&] { return !stopping_ && std::chrono::steady_clock::now() < deadline; };
  if (r.hostile == Hostile::endless_body) {
    const std::string chunk(64 << 10, 'x');
    for (size_t sent = 0; sent < kMaxEndlessBytes && in_time(); sent += chunk.size()) {
      if (!send_all(connection, chunk.data(), chunk.size())) return;
    }
  } else if (r.hostile == Hostile::trickle) {
    for (size_t i = 0; i < r.body.size() && in_time(); ++i) {
      if (!send_all(connection, r.body.data() + i, 1)) return;
      // In short naps, so that stopping the server never waits for a long interval.
      const auto next =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(r.trickle_interval_ms);
      while (in_time() && std::chrono::steady_clock::now() < next)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } else {
    send_all(connection, r.body.data(), std::min(r.body.size(), r.cut_after));
  }
}

LocalHubServer::Response LocalHubServer::file_response(const std::string& method,
                                                       const std::string& content,
                                                       const std::string& range) {
  Response r;
  size_t start = 0;
  if (!range.empty()) {
    // "bytes=START-" only: what the client sends.
    start = std::stoull(range.substr(range.find('=') + 1));
    if (start >= content.size() && !content.empty()) {
      r.status = 416;
      r.headers.push_back({"Content-Range", "bytes */" + std::to_string(content.size())});
      return r;
    }
    r.status = 206;
    r.headers.push_back({"Content-Range", "bytes " + std::to_string(start) + "-" +
                                              std::to_string(content.size() - 1) + "/" +
                                              std::to_string(content.size())});
  }
  r.body = content.substr(start);
  if (method == "HEAD") {
    r.content_length = hostile_ == Hostile::huge_size ? (size_t{1} << 60) : r.body.size();
    return r;
  }
  if (std::find(corrupted_.begin(), corrupted_.end(), sha256_of(content)) != corrupted_.end()) {
    for (char& c : r.body)
      c = static_cast<char>(c ^ 0x5a);
  }
  r.hostile = hostile_;
  r.trickle_interval_ms = trickle_interval_ms_;
  r.omit_length = hostile_ == Hostile::endless_body;
  if (hostile_ == Hostile::long_content_length) r.body += std::string(1 << 20, 'y');
  return r;
}

LocalHubServer::Response LocalHubServer::respond(const std::string& method, const std::string& path,
                                                 const std::string& range,
                                                 const std::string& authorization) {
  std::lock_guard lock(mutex_);
  Response r;
  if (method != "GET" && method != "HEAD") {
    r.status = 405;
    return r;
  }
  if (path.rfind("/cdn/", 0) == 0) {
    const std::string sha = path.substr(5);
    auto blob = blobs_.find(sha);
    if (blob == blobs_.end()) {
      r.status = 404;
      return r;
    }
    r = file_response(method, blob->second, range);
    if (method == "GET" && truncate_count_ > 0 && r.status / 100 == 2) {
      --truncate_count_;
      r.cut_after = std::min(truncate_bytes_, r.body.size());
    }
    return r;
  }

  // /ORG/NAME/resolve/REVISION/FILE
  std::vector<std::string> parts;
  for (size_t begin = 1; begin <= path.size();) {
    const size_t end = std::min(path.find('/', begin), path.size());
    parts.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  if (parts.size() != 5 || parts[2] != "resolve") {
    r.status = 404;
    return r;
  }
  const std::string repo = parts[0] + "/" + parts[1];
  const std::string revision = url_decode(parts[3]);
  const std::string file = url_decode(parts[4]);
  if (auto renamed = renamed_.find(repo); renamed != renamed_.end()) {
    r.status = 307;
    r.headers.push_back(
        {"Location", "/" + renamed->second + "/resolve/" + parts[3] + "/" + parts[4]});
    return r;
  }
  if (!token_.empty() && authorization != "Bearer " + token_) {
    r.status = 401;
    r.headers.push_back({"X-Error-Code", "RepoNotFound"});
    r.headers.push_back({"X-Error-Message", authorization.empty()
                                                ? "Repository not found"
                                                : "Invalid credentials in Authorization header"});
    return r;
  }
  auto found = repos_.find(repo);
  if (found == repos_.end()) {
    r.status = 401;
    r.headers.push_back({"X-Error-Code", "RepoNotFound"});
    r.headers.push_back({"X-Error-Message", "Repository not found"});
    return r;
  }
  if (std::find(gated_.begin(), gated_.end(), repo) != gated_.end()) {
    r.status = 403;
    r.headers.push_back({"X-Error-Code", "GatedRepo"});
    r.headers.push_back({"X-Error-Message", "Access to model " + repo + " is restricted"});
    return r;
  }
  const HubRepoFiles& files = found->second;
  if (revision != "main" && revision != files.commit) {
    r.status = 404;
    r.headers.push_back({"X-Error-Code", "RevisionNotFound"});
    r.headers.push_back({"X-Error-Message", "Invalid rev id: " + revision});
    return r;
  }
  auto content = files.files.find(file);
  if (content == files.files.end()) {
    r.status = 404;
    r.headers.push_back({"X-Error-Code", "EntryNotFound"});
    r.headers.push_back({"X-Error-Message", "Entry not found"});
    r.headers.push_back({"X-Repo-Commit", files.commit});
    return r;
  }
  const std::string sha = sha256_of(content->second);
  if (std::find(files.lfs.begin(), files.lfs.end(), file) != files.lfs.end()) {
    r.status = 302;
    r.headers.push_back({"Location", endpoint() + "/cdn/" + sha});
    r.headers.push_back({"X-Linked-Etag", "\"" + sha + "\""});
    r.headers.push_back({"X-Linked-Size", std::to_string(content->second.size())});
    r.headers.push_back({"ETag", "\"" + sha.substr(0, 40) + "\""});
    r.headers.push_back({"X-Repo-Commit", files.commit});
    return r;
  }
  r = file_response(method, content->second, range);
  // A regular file's ETag is its git blob hash, as the hub gives it.
  r.headers.push_back({"ETag", "\"" + git_blob_hash(content->second) + "\""});
  r.headers.push_back({"X-Repo-Commit", files.commit});
  return r;
}

}  // namespace mlxocr::testing
