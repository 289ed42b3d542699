#include "pipeline/pdf_objects.h"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "text/unicode.h"

namespace mlxocr {

PdfObjects::PdfObjects() : offsets_(1, 0) {
  // The binary comment tells transfer tools the file is not text (PDF 32000-1, 7.5.2).
  file_ = "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n";
}

int PdfObjects::reserve() {
  offsets_.push_back(0);
  return static_cast<int>(offsets_.size()) - 1;
}

void PdfObjects::write(int id, std::string_view body) {
  if (id < 1 || id >= static_cast<int>(offsets_.size()) || offsets_[id] != 0) {
    throw std::logic_error("PDF object " + std::to_string(id) + " not reserved or written twice");
  }
  offsets_[id] = file_.size();
  file_ += std::to_string(id) + " 0 obj\n";
  file_ += body;
  file_ += "\nendobj\n";
}

void PdfObjects::write_stream(int id, std::string_view dictionary_entries, std::string_view data) {
  std::string body = "<< /Length " + std::to_string(data.size());
  if (!dictionary_entries.empty()) body += " " + std::string(dictionary_entries);
  body += " >>\nstream\n";
  body += data;
  body += "\nendstream";
  write(id, body);
}

std::string PdfObjects::finish(int catalog, int info) {
  const size_t xref = file_.size();
  file_ += "xref\n0 " + std::to_string(offsets_.size()) + "\n";
  file_ += "0000000000 65535 f\r\n";  // each entry exactly 20 bytes
  for (size_t id = 1; id < offsets_.size(); ++id) {
    if (offsets_[id] == 0) {
      throw std::logic_error("PDF object " + std::to_string(id) + " reserved, never written");
    }
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n\r\n", offsets_[id]);
    file_ += entry;
  }
  file_ += "trailer\n<< /Size " + std::to_string(offsets_.size()) + " /Root " +
           std::to_string(catalog) + " 0 R /Info " + std::to_string(info) + " 0 R >>\n";
  file_ += "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return std::move(file_);
}

std::string pdf_number(double value) {
  if (!std::isfinite(value)) value = 0;
  // Past 1e12 a double has no thousandths to keep, and * 1000 / 1000 would change the value.
  const double rounded =
      std::abs(value) < 1e12 ? std::round(value * 1000) / 1000 : std::round(value);
  char text[48];
  std::snprintf(text, sizeof text, "%.3f", rounded == 0 ? 0.0 : rounded);
  std::string out = text;
  while (out.back() == '0')
    out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

std::string pdf_text_string(std::string_view utf8) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "<FEFF";
  const std::string valid = unicode::to_valid_utf8(utf8);
  auto unit = [&](uint32_t u) {
    for (int shift = 12; shift >= 0; shift -= 4)
      out += hex[(u >> shift) & 0xF];
  };
  for (size_t pos = 0; pos < valid.size();) {
    const char32_t cp = unicode::next_codepoint(valid, pos);
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out + ">";
}

std::string flate(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  // Level 6, zlib's default: within a few percent of 9's size at a fraction of its time.
  const int status = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                               reinterpret_cast<const Bytef*>(data.data()), data.size(), 6);
  if (status != Z_OK) throw std::runtime_error("zlib compress2 failed: " + std::to_string(status));
  out.resize(size);
  return out;
}

}  // namespace mlxocr
