#include "serve/request.h"

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace mlxocr::serve {

namespace {

// A request may not ask for more beams than this: each beam is a full decode.
constexpr int kMaxRequestBeams = 16;
constexpr std::size_t kMaxOptionLength = 4096;

int parse_int(const std::string& name, const std::string& text, int low, int high) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high) {
    throw RequestError(400, name + " must be a whole number in " + std::to_string(low) + ".." +
                                std::to_string(high) + ", got '" + text.substr(0, 32) + "'");
  }
  return static_cast<int>(value);
}

bool parse_bool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "off" || text == "no" || text.empty()) return false;
  throw RequestError(400, name + " must be true or false, got '" + text.substr(0, 32) + "'");
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names)
    out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}

void choose_models(const std::string& text, const ServeConfig& config, PipelineOptions& options) {
  std::vector<std::string> chosen;
  for (std::string name : split_commas(text)) {
    if (name == "default") name = "";  // the bundled model, as /v1/models names it
    bool known = false;
    for (const std::string& model : config.base.models)
      known = known || model == name;
    if (!known) {
      throw RequestError(400, "unknown model '" + name.substr(0, 64) +
                                  "' (this server has: " + joined(config.base.models) + ")");
    }
    chosen.push_back(name);
  }
  if (chosen.empty()) throw RequestError(400, "models names none of this server's models");
  options.models = chosen;
}

void choose_template(const std::string& name, const ServeConfig& config, PipelineOptions& options) {
  const auto it = config.templates.find(name);
  if (it == config.templates.end()) {
    std::vector<std::string> names;
    for (const auto& [known, path] : config.templates)
      names.push_back(known);
    throw RequestError(400, "unknown template '" + name.substr(0, 64) +
                                "' (this server has: " + joined(names) + ")");
  }
  options.template_file = it->second;
  const auto fields = config.fields_files.find(name);
  options.fields_file = fields == config.fields_files.end() ? "" : fields->second;
}

}  // namespace

std::string pick_format(const std::string& format, const std::string& accept) {
  static const std::set<std::string> kFormats = {"json", "csv",  "tsv", "text",
                                                 "hocr", "alto", "page"};
  if (!format.empty()) {
    if (!kFormats.count(format)) {
      throw RequestError(400, "unknown format '" + format.substr(0, 32) +
                                  "' (json, csv, tsv, text, hocr, alto, page)");
    }
    return format;
  }
  static const std::array<std::pair<const char*, const char*>, 8> kTypes = {{
      {"application/json", "json"},
      {"text/csv", "csv"},
      {"text/tab-separated-values", "tsv"},
      {"text/plain", "text"},
      {"text/vnd.hocr+html", "hocr"},
      {"application/xhtml+xml", "hocr"},
      {"application/alto+xml", "alto"},
      {"application/vnd.prima.page+xml", "page"},
  }};
  if (accept.empty() || accept.find("*/*") != std::string::npos) return "json";
  // The first type of the header that we write (quality values are not weighed).
  for (const std::string& item : split_commas(accept)) {
    const std::string type = item.substr(item.find_first_not_of(' '), item.find(';'));
    for (const auto& [mime, name] : kTypes) {
      if (type.rfind(mime, 0) == 0) return name;
    }
  }
  throw RequestError(406,
                     "none of the Accept types is written (use format=json|csv|tsv|text|"
                     "hocr|alto|page)");
}

PipelineOptions request_options(const RequestFields& fields, const ServeConfig& config) {
  PipelineOptions options = config.base;
  std::string mode;
  for (const auto& [name, value] : fields) {
    if (value.size() > kMaxOptionLength && name != "fields") {
      throw RequestError(400, name + " is longer than " + std::to_string(kMaxOptionLength));
    }
    if (name == "mode") {
      if (value != "line" && value != "page" && value != "form") {
        throw RequestError(400, "mode must be line, page or form, got '" + value + "'");
      }
      mode = value;
    } else if (name == "template") {
      choose_template(value, config, options);
    } else if (name == "models" || name == "model") {
      choose_models(value, config, options);
    } else if (name == "num_beams" || name == "beams") {
      options.num_beams = parse_int(name, value, 1, kMaxRequestBeams);
    } else if (name == "max_new_tokens") {
      options.max_new_tokens = parse_int(name, value, 1, config.max_new_tokens_limit);
    } else if (name == "min_confidence") {
      char* end = nullptr;
      const double x = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(x >= 0 && x <= 1)) {
        throw RequestError(400, "min_confidence must be a number in 0..1");
      }
      options.min_confidence = x;
    } else if (name == "align") {
      options.align = parse_bool(name, value);
    } else if (name == "layout") {
      if (value != "tesseract" && value != "simple") {
        throw RequestError(400, "layout must be tesseract or simple");
      }
      options.layout = value == "simple" ? LayoutEngine::kSimple : LayoutEngine::kTesseract;
    } else if (name == "pages") {
      options.pages = value;  // checked by the pipeline (a UsageError: 400)
    } else if (name != "format" && name != "fields" && name != "filename") {
      throw RequestError(400, "unknown option '" + name.substr(0, 64) +
                                  "' (mode, template, models, num_beams, max_new_tokens, "
                                  "min_confidence, align, layout, pages, fields, format)");
    }
  }
  const bool has_template = !options.template_file.empty();
  if (mode.empty()) mode = has_template ? "form" : "line";
  if (mode == "form" && !has_template) throw RequestError(400, "mode form needs a template");
  if (mode != "form" && has_template) throw RequestError(400, "a template needs mode form");
  if (options.align && mode != "form") throw RequestError(400, "align needs a template");
  options.mode = mode == "form"   ? RegionMode::kForm
                 : mode == "page" ? RegionMode::kPage
                                  : RegionMode::kLine;
  return options;
}

std::string decode_base64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const std::size_t value = kAlphabet.find(c == '-' ? '+' : c == '_' ? '/' : c);
    if (value == std::string::npos || padding > 0) {
      throw RequestError(400, "file is not valid base64");
    }
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (padding > 2) throw RequestError(400, "file is not valid base64");
  return out;
}

RequestFields parse_json_body(const std::string& body, std::string& bytes) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw RequestError(400, "the body is not valid JSON");
  if (!j.is_object()) throw RequestError(400, "the JSON body must be an object");
  RequestFields fields;
  for (const auto& [name, value] : j.items()) {
    if (name == "file") {
      if (!value.is_string()) throw RequestError(400, "file must be a base64 string");
      bytes = decode_base64(value.get<std::string>());
    } else if (value.is_string()) {
      fields[name] = value.get<std::string>();
    } else if (value.is_array() && name == "models") {
      std::string list;
      for (const auto& model : value) {
        if (!model.is_string()) throw RequestError(400, "models must be strings");
        list += (list.empty() ? "" : ",") + model.get<std::string>();
      }
      fields[name] = list;
    } else if (value.is_number() || value.is_boolean() || name == "fields") {
      fields[name] = value.dump();
    } else {
      throw RequestError(400, name.substr(0, 64) + " must be a string, number or boolean");
    }
  }
  return fields;
}

std::string clean_filename(const std::string& name) {
  std::string base =
      name.substr(name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1);
  std::string out;
  for (const char c : base) {
    if (out.size() >= 128) break;
    out.push_back(c >= 0x20 && c < 0x7F && c != '"' ? c : '_');
  }
  return out.empty() ? "upload" : out;
}

std::string content_type(const std::string& format) {
  if (format == "json") return "application/json";
  if (format == "csv") return "text/csv; charset=utf-8";
  if (format == "tsv") return "text/tab-separated-values; charset=utf-8";
  if (format == "hocr") return "application/xhtml+xml; charset=utf-8";
  if (format == "alto") return "application/alto+xml; charset=utf-8";
  if (format == "page") return "application/vnd.prima.page+xml; charset=utf-8";
  return "text/plain; charset=utf-8";
}

}  // namespace mlxocr::serve
