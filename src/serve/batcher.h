// Cross-request batching. Handler threads queue one Job per uploaded file; one batcher thread takes
// the oldest job, gathers the queued jobs with the same options for at most `max_wait` (or until it
// holds `max_files` of them), and reads all their files in one Pipeline::run call, so that their
// regions share decode batches (Pipeline::run batches regions across the files of a call). Each
// job gets exactly the pages of its own file back, as soon as its own regions are read
// (Pipeline::run_each): regions are decoded in the group's order (oldest job first), so a job
// waits for the batches up to its last region, not for the whole group.
//
// Why one run per gathered group, rather than splitting region finding from decoding: the public
// Pipeline already batches regions across files, and each region's text does not depend on the
// batch it is decoded in (the same decode as `mlxocr ocr`), so the group's answers are each file's
// own; splitting would need the pipeline's internals in the server.
//
// Only the batcher thread touches pipelines (Pipeline is not thread-safe); it keeps one per set of
// options, the least recently used dropped beyond `max_pipelines`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mlxocr/pipeline.h"
#include "serve/metrics.h"

namespace mlxocr::serve {

// One uploaded file and the options to read it with. The file is removed with the job.
struct Job {
  PipelineOptions options;
  std::string key;  // options_key(options): jobs with equal keys may share a run
  std::filesystem::path file;
  std::atomic<bool> abandoned{false};  // its request timed out: not read
  std::promise<std::vector<PageResult>> result;
  ~Job();
};

// What must match for two requests to share a Pipeline.
std::string options_key(const PipelineOptions& options);

struct BatcherOptions {
  std::chrono::milliseconds max_wait{10};
  std::size_t max_files = 32;  // files gathered into one run
  std::size_t max_queue = 32;  // jobs waiting; more are refused (503)
  std::size_t max_pipelines = 8;
};

class Batcher {
 public:
  Batcher(BatcherOptions options, Metrics& metrics);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Starts the thread, which first loads the pipelines of `preload` (models and templates) and
  // then calls `loaded` with nullptr, or with the exception that refused one of them (and ends).
  void start(std::vector<PipelineOptions> preload, std::function<void(std::exception_ptr)> loaded);
  // Queues `job`; false when the queue is full.
  bool submit(std::shared_ptr<Job> job);
  // Reads every job already queued, then ends the thread. Idempotent.
  void stop();

 private:
  void loop();
  std::vector<std::shared_ptr<Job>> gather(std::unique_lock<std::mutex>& lock);
  void run_group(const std::vector<std::shared_ptr<Job>>& group);
  Pipeline& pipeline_for(const Job& job);

  BatcherOptions options_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread thread_;
  // Most recently used first.
  std::list<std::pair<std::string, std::unique_ptr<Pipeline>>> pipelines_;
};

}  // namespace mlxocr::serve
