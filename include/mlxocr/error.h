// Error types of mlxocr. Every error carries a message that names the file, tensor or field at
// fault and what was expected, so the CLI can print it as one line and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace mlxocr {

// Base of every error mlxocr throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file could not be read or written (missing, unreadable, disk full).
class FileError : public Error {
 public:
  using Error::Error;
};

// A checkpoint (safetensors, pytorch_model.bin, sharded index) is malformed or does not fit the
// model.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

// A config.json / preprocessor_config.json / generation_config.json is malformed or unsupported.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// An image file cannot be decoded or is out of bounds.
class ImageError : public Error {
 public:
  using Error::Error;
};

// Tokenizer files are missing or malformed, or a token id is out of range.
class TokenizerError : public Error {
 public:
  using Error::Error;
};

// The user asked for something that cannot be done (bad flag values, incompatible options).
class UsageError : public Error {
 public:
  using Error::Error;
};

// The Hugging Face hub (or its local cache) cannot provide a model: repository, revision or file
// not found, access refused, offline mode, a download that does not match its checksum.
class HubError : public Error {
 public:
  using Error::Error;
};

// The hub could not be reached at all (DNS, connection, timeout): a cached copy may still do.
class HubNetworkError : public HubError {
 public:
  using HubError::HubError;
};

// A dataset (CSV/TSV, JSONL or a folder of images with .txt sidecars) cannot be used at all:
// missing, unreadable, no header with file_name and text, unknown format. Bad rows are not
// errors: they are reported and skipped.
class DataError : public Error {
 public:
  using Error::Error;
};

// Training cannot go on (a non-finite loss): the message says where it stopped and which
// checkpoint is the last good one.
class TrainingError : public Error {
 public:
  using Error::Error;
};

}  // namespace mlxocr
