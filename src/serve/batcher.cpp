#include "serve/batcher.h"

#include <sstream>

namespace mlxocr::serve {

Job::~Job() {
  std::error_code ec;
  if (!file.empty()) std::filesystem::remove(file, ec);
}

std::string options_key(const PipelineOptions& o) {
  std::ostringstream key;
  key << static_cast<int>(o.mode) << '|' << static_cast<int>(o.layout) << '|'
      << o.detect_orientation << '|' << o.dpi << '|' << o.pages << '|' << o.max_pixels << '|'
      << o.batch_size << '|' << o.max_new_tokens << '|' << o.num_beams << '|' << o.min_confidence
      << '|' << o.template_file << '|' << o.align << '|' << o.fields_file << '|' << o.fit_to_ink;
  for (const std::string& model : o.models)
    key << '|' << model.size() << ':' << model;
  return key.str();
}

Batcher::Batcher(BatcherOptions options, Metrics& metrics) : options_(options), metrics_(metrics) {}

Batcher::~Batcher() {
  stop();
}

void Batcher::start(std::vector<PipelineOptions> preload,
                    std::function<void(std::exception_ptr)> loaded) {
  thread_ = std::thread([this, preload = std::move(preload), loaded = std::move(loaded)] {
    try {
      for (const PipelineOptions& options : preload) {
        Job probe;
        probe.options = options;
        probe.key = options_key(options);
        pipeline_for(probe);
      }
    } catch (...) {
      // Nothing will be read: refuse new jobs and fail the queued ones.
      std::deque<std::shared_ptr<Job>> queued;
      {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queued.swap(queue_);
      }
      for (const auto& job : queued)
        job->result.set_exception(std::current_exception());
      loaded(std::current_exception());
      return;
    }
    loaded(nullptr);
    loop();
  });
}

bool Batcher::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queue) return false;
    queue_.push_back(std::move(job));
    metrics_.set_queue_length(queue_.size());
  }
  wake_.notify_all();
  return true;
}

void Batcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// The oldest job and the queued jobs with its options, waiting up to max_wait from the oldest
// job's arrival for more (not when stopping: accepted work is finished without delay).
std::vector<std::shared_ptr<Job>> Batcher::gather(std::unique_lock<std::mutex>& lock) {
  const std::string key = queue_.front()->key;
  const auto deadline = std::chrono::steady_clock::now() + options_.max_wait;
  const auto same_key = [&] {
    std::size_t n = 0;
    for (const auto& job : queue_)
      n += job->key == key;
    return n;
  };
  while (!stopping_ && same_key() < options_.max_files &&
         wake_.wait_until(lock, deadline) != std::cv_status::timeout) {
  }
  std::vector<std::shared_ptr<Job>> group;
  for (auto it = queue_.begin(); it != queue_.end() && group.size() < options_.max_files;) {
    if ((*it)->key == key) {
      if (!(*it)->abandoned) group.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  metrics_.set_queue_length(queue_.size());
  return group;
}

void Batcher::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to read
    std::vector<std::shared_ptr<Job>> group = gather(lock);
    if (group.empty()) continue;
    lock.unlock();
    run_group(group);
    lock.lock();
  }
}

// Each job is answered as soon as its own file's regions are read (Pipeline::run_each), while the
// files after it in the group are still read.
void Batcher::run_group(const std::vector<std::shared_ptr<Job>>& group) {
  std::vector<bool> answered(group.size(), false);
  std::size_t regions = 0;
  try {
    Pipeline& pipeline = pipeline_for(*group.front());
    std::vector<std::string> files;
    for (const auto& job : group)
      files.push_back(job->file.string());
    pipeline.run_each(files, [&](std::size_t input, std::vector<PageResult> pages) {
      for (PageResult& page : pages) {
        regions += page.fields.size();
        page.input = 0;
      }
      group.at(input)->result.set_value(std::move(pages));
      answered[input] = true;
    });
    metrics_.batch_done(group.size(), regions);
  } catch (...) {
    // A pipeline that cannot be built (a model or template refused) fails the whole group: all
    // its jobs asked for the same options. Jobs already answered keep their answers.
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!answered[i]) group[i]->result.set_exception(std::current_exception());
    }
  }
}

Pipeline& Batcher::pipeline_for(const Job& job) {
  for (auto it = pipelines_.begin(); it != pipelines_.end(); ++it) {
    if (it->first == job.key) {
      pipelines_.splice(pipelines_.begin(), pipelines_, it);
      return *pipelines_.front().second;
    }
  }
  // A run reads the files of many requests: none may vote on the printed ink of another's form.
  PipelineOptions options = job.options;
  options.dropout_vote = false;
  auto pipeline = std::make_unique<Pipeline>(options);
  pipelines_.emplace_front(job.key, std::move(pipeline));
  while (pipelines_.size() > options_.max_pipelines)
    pipelines_.pop_back();
  return *pipelines_.front().second;
}

}  // namespace mlxocr::serve
