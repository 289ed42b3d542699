// POST /v1/ocr's request: the uploaded file and the options, from a multipart form (a "file" part
// and one part per option), a JSON body ({"file": BASE64, "filename": ..., options...}) or the
// query string; and the output format from `format` or the Accept header. Nothing in a request
// is trusted: every option is checked against the server's configuration and limits here, and
// a problem is a RequestError naming the option (a 4xx answer).
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlxocr/pipeline.h"

namespace mlxocr::serve {

// An answer other than 200: the HTTP status and a one-line message for {"error": ...}.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// What the server offers a request to choose from, and its fixed settings.
struct ServeConfig {
  PipelineOptions base;                             // models, limits, batch size, dpi, ...
  std::map<std::string, std::string> templates;     // name -> template image
  std::map<std::string, std::string> fields_files;  // template name -> its fields JSON
  int max_new_tokens_limit = 256;                   // a request may ask for at most this
};

// The request's fields, as text (multipart parts other than the file, JSON members, query
// parameters; a later source overrides an earlier one).
using RequestFields = std::map<std::string, std::string>;

struct OcrRequest {
  std::string bytes;     // the file
  std::string filename;  // as the client named it, cleaned: shown in results and errors
  PipelineOptions options;
  std::string format;                           // json | csv | tsv | text | hocr | alto | page
  std::optional<std::string> field_names_json;  // names given with the request
};

// `format`, else the first Accept type we write, else json. RequestError 406 for an unknown one.
std::string pick_format(const std::string& format, const std::string& accept);

// The options of one request on top of `config` (RequestError 400 for a bad or unknown value).
PipelineOptions request_options(const RequestFields& fields, const ServeConfig& config);

// The fields of a JSON body; its "file" member (base64) is decoded into `bytes`.
RequestFields parse_json_body(const std::string& body, std::string& bytes);

std::string decode_base64(const std::string& text);

// A file name safe to show: the last path component, printable ASCII, at most 128 characters.
std::string clean_filename(const std::string& name);

// The MIME type of an answer in `format`.
std::string content_type(const std::string& format);

}  // namespace mlxocr::serve
