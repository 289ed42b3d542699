// A Hugging Face hub stand-in for the tests: an HTTP/1.1 server on 127.0.0.1 (a free port) that
// serves repositories in the hub's URL layout, with the headers huggingface_hub relies on, and
// knobs to make it misbehave. It runs on one thread, one connection at a time, and stops when the
// object is destroyed; nothing outside the loopback interface can reach it.
//
//   HEAD|GET /ORG/NAME/resolve/REVISION/FILE
//     regular file: 200, ETag "<40 hex>", X-Repo-Commit, the bytes (Range honoured)
//     LFS file:     302 to /cdn/SHA256 with X-Linked-Etag "SHA256", X-Linked-Size, X-Repo-Commit
//     errors:       401 (unknown repo, missing or wrong token; X-Error-Code RepoNotFound),
//                   403 (gated), 404 (X-Error-Code EntryNotFound + X-Repo-Commit, or
//                   RevisionNotFound), 307 relative redirect for a renamed repository
//   GET /cdn/SHA256: the LFS bytes, Range honoured; may be cut short or corrupted on request
//
// Hostile behaviours (misbehave()) apply to every GET of file bytes, LFS or regular (huge_size:
// to a regular file's HEAD); each loop
// is bounded in bytes and time (kHostileSeconds), and ends when the client hangs up.
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mlxocr::testing {

struct HubRepoFiles {
  std::string commit;                        // 40 hex digits
  std::map<std::string, std::string> files;  // name -> contents
  std::vector<std::string> lfs;              // names served as LFS files (via /cdn/)
};

enum class Hostile {
  none,
  endless_body,         // 200 without Content-Length, bytes without end
  trickle,              // the right headers, then one byte of the body every trickle interval
  long_content_length,  // a Content-Length (and bytes) past the size the HEAD gave
  huge_size             // a HEAD announcing a regular file of 2^60 bytes (1 EiB)
};

struct HubRequest {
  std::string method, path, range, authorization;
  int status = 0;
};

class LocalHubServer {
 public:
  LocalHubServer();
  ~LocalHubServer();
  LocalHubServer(const LocalHubServer&) = delete;
  LocalHubServer& operator=(const LocalHubServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void add_repo(const std::string& repo, HubRepoFiles files);
  // Requests without "Authorization: Bearer TOKEN" get 401.
  void require_token(const std::string& token);
  // Requests for `repo` get 403, as a gated repository does for a user without access.
  void gate(const std::string& repo);
  // `old_repo` answers with a relative 307 redirect to the same path in `new_repo`.
  void rename(const std::string& old_repo, const std::string& new_repo);
  // The next `count` /cdn/ transfers send the full Content-Length but close after `bytes` bytes.
  void truncate_next_transfers(int count, size_t bytes);
  // /cdn/SHA256 serves other bytes of the same length (or the right ones again: false).
  void corrupt(const std::string& sha256, bool corrupted = true);
  // Every GET of file bytes from now on behaves so (Hostile::none: normally again).
  void misbehave(Hostile behaviour, int trickle_interval_ms = 100);
  // Error answers (401, 403, 404) carry this X-Error-Message and body instead of their own.
  void error_message(const std::string& text);
  // Closes the listening socket: later requests fail to connect, as with no network.
  void stop();

  std::vector<HubRequest> requests() const;
  size_t request_count() const;
  void clear_requests();

 private:
  void serve();
  void handle(int connection);
  struct Response;
  Response respond(const std::string& method, const std::string& path, const std::string& range,
                   const std::string& authorization);
  void send_body(int connection, const Response& r, bool head);
  Response file_response(const std::string& method, const std::string& content,
                         const std::string& range);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mutex_;  // guards everything below
  std::map<std::string, HubRepoFiles> repos_;
  std::map<std::string, std::string> blobs_;  // sha256 -> contents
  std::map<std::string, std::string> renamed_;
  std::vector<std::string> gated_;
  std::string token_;
  int truncate_count_ = 0;
  size_t truncate_bytes_ = 0;
  std::vector<std::string> corrupted_;  // sha256 of contents served XOR-ed (LFS or regular)
  Hostile hostile_ = Hostile::none;
  int trickle_interval_ms_ = 100;
  std::string error_message_;
  std::vector<HubRequest> requests_;
};

}  // namespace mlxocr::testing
