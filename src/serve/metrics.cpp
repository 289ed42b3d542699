#include "serve/metrics.h"

#include <cmath>
#include <sstream>

namespace mlxocr::serve {

namespace {

// Prometheus' float formatting: +Inf, and plain decimals otherwise.
std::string number(double value) {
  if (std::isinf(value)) return "+Inf";
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket])
    ++bucket;
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

std::string Histogram::exposition(const std::string& name) const {
  std::ostringstream out;
  std::uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const double le = i < bounds_.size() ? bounds_[i] : INFINITY;
    out << name << "_bucket{le=\"" << number(le) << "\"} " << cumulative << "\n";
  }
  out << name << "_sum " << number(sum_) << "\n" << name << "_count " << count_ << "\n";
  return out.str();
}

// Latency buckets from a line on a fast machine (tens of ms) to a page of forms on a slow one.
Metrics::Metrics()
    : latency_({0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}),
      batch_files_({1, 2, 4, 8, 16, 32, 64}),
      batch_regions_({1, 4, 8, 16, 32, 64, 128, 256, 512}) {}

void Metrics::request_done(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::observe_latency(double seconds) {
  std::lock_guard lock(mutex_);
  latency_.observe(seconds);
}

void Metrics::batch_done(std::size_t files, std::size_t regions) {
  std::lock_guard lock(mutex_);
  regions_ += regions;
  ++batches_;
  batch_files_.observe(static_cast<double>(files));
  batch_regions_.observe(static_cast<double>(regions));
}

void Metrics::set_queue_length(std::size_t length) {
  std::lock_guard lock(mutex_);
  queue_length_ = length;
}

std::string Metrics::exposition() const {
  std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP mlxocr_requests_total HTTP requests answered, by endpoint and status.\n"
      << "# TYPE mlxocr_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "mlxocr_requests_total{endpoint=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << count << "\n";
  }
  out << "# HELP mlxocr_regions_total Regions (fields, lines) read.\n"
      << "# TYPE mlxocr_regions_total counter\nmlxocr_regions_total " << regions_ << "\n"
      << "# HELP mlxocr_batches_total Pipeline runs (each holds one or more requests).\n"
      << "# TYPE mlxocr_batches_total counter\nmlxocr_batches_total " << batches_ << "\n"
      << "# HELP mlxocr_queue_length Requests accepted and waiting for the batcher.\n"
      << "# TYPE mlxocr_queue_length gauge\nmlxocr_queue_length " << queue_length_ << "\n"
      << "# HELP mlxocr_request_seconds Latency of POST /v1/ocr, from the request to its answer.\n"
      << "# TYPE mlxocr_request_seconds histogram\n"
      << latency_.exposition("mlxocr_request_seconds")
      << "# HELP mlxocr_batch_files Files (requests) read together in one pipeline run.\n"
      << "# TYPE mlxocr_batch_files histogram\n"
      << batch_files_.exposition("mlxocr_batch_files")
      << "# HELP mlxocr_batch_regions Regions read together in one pipeline run.\n"
      << "# TYPE mlxocr_batch_regions histogram\n"
      << batch_regions_.exposition("mlxocr_batch_regions");
  return out.str();
}

}  // namespace mlxocr::serve
