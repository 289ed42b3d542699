// The object layer of a PDF file: numbered objects appended in any order, streams with their
// /Length, and the cross-reference table and trailer that point at every object's byte offset.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mlxocr {

class PdfObjects {
 public:
  PdfObjects();

  // A new object number, for objects that refer to each other before they are written.
  int reserve();
  // Writes object `id` (reserved, not yet written): `body` is a dictionary, array or value.
  void write(int id, std::string_view body);
  // Writes a stream object: `dictionary_entries` are added to /Length, e.g. "/Filter /FlateDecode".
  void write_stream(int id, std::string_view dictionary_entries, std::string_view data);
  // Bytes written so far (the file grows in memory; callers keep pages compressed).
  size_t size() const { return file_.size(); }

  // The whole file: xref, and a trailer naming the catalog and the /Info dictionary. Throws
  // std::logic_error when a reserved object was never written (a bug, not an input problem).
  std::string finish(int catalog, int info);

 private:
  std::string file_;
  std::vector<size_t> offsets_;  // by object number; 0 = reserved, not written
};

// Numbers as PDF writes them: fixed point, at most 3 decimals, no exponent, no "-0".
std::string pdf_number(double value);

// Text as a PDF literal string in UTF-16BE with a byte order mark (Info values), as hex.
std::string pdf_text_string(std::string_view utf8);

// zlib (Flate) compression of `data`; throws std::runtime_error if zlib fails (out of memory).
std::string flate(std::string_view data);

}  // namespace mlxocr
