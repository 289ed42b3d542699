// Names and values the hub's protocol carries, checked before they become paths or requests
// (internal to io/hub*: hub.h is the public face).
#pragma once

#include <cstdint>
#include <string>

namespace mlxocr::hub {

bool is_commit(const std::string& text);  // 40 lowercase hex digits
bool is_sha256(const std::string& text);  // 64 lowercase hex digits
// A file name inside a repository that we store in the cache: plain names only.
bool valid_file_name(const std::string& name);
// "W/\"abc\"" -> "abc".
std::string normalize_etag(std::string etag);
bool valid_etag(const std::string& etag);
// "https://host:port" of a URL.
std::string origin(const std::string& url);
// "12.3 MB".
std::string human_bytes(std::uint64_t bytes);

}  // namespace mlxocr::hub
