// The server's counters in Prometheus' text exposition format (GET /metrics): requests by
// endpoint and status, regions read, request latency and decode batch size as histograms, and the
// queue's length. Thread-safe: every handler thread and the batcher update it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mlxocr::serve {

// A cumulative histogram with fixed upper bounds (Prometheus' `le` buckets, +Inf added).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // The metric's lines: NAME_bucket{le=...}, NAME_sum, NAME_count.
  std::string exposition(const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  void request_done(const std::string& endpoint, int status);
  void observe_latency(double seconds);  // POST /v1/ocr
  void batch_done(std::size_t files, std::size_t regions);
  void set_queue_length(std::size_t length);
  std::string exposition() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::uint64_t regions_ = 0, batches_ = 0;
  std::size_t queue_length_ = 0;
  Histogram latency_, batch_files_, batch_regions_;
};

}  // namespace mlxocr::serve
