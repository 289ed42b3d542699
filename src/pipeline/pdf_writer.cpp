#include "pipeline/pdf_writer.h"

#include <stdexcept>

#include "pipeline/glyphless_font.h"

namespace mlxocr {

namespace {

const char* kFontName = "F0";

bool all_gray(const RgbImage& image) {
  const auto& p = image.pixels;
  for (size_t i = 0; i + 2 < p.size(); i += 3) {
    if (p[i] != p[i + 1] || p[i] != p[i + 2]) return false;
  }
  return true;
}

std::string gray_channel(const RgbImage& image) {
  std::string gray(image.pixels.size() / 3, '\0');
  for (size_t i = 0; i < gray.size(); ++i)
    gray[i] = static_cast<char>(image.pixels[3 * i]);
  return gray;
}

}  // namespace

SearchablePdf::SearchablePdf() {
  catalog_ = objects_.reserve();
  pages_ = objects_.reserve();
  info_ = objects_.reserve();
  font_ = objects_.reserve();
  cid_font_ = objects_.reserve();
  descriptor_ = objects_.reserve();
  font_file_ = objects_.reserve();
  cid_to_gid_ = objects_.reserve();
  to_unicode_ = objects_.reserve();
}

int SearchablePdf::add_image(const PdfPageImage& image) {
  const int id = objects_.reserve();
  const std::string size = "/Type /XObject /Subtype /Image /Width " + std::to_string(image.width) +
                           " /Height " + std::to_string(image.height) + " /BitsPerComponent 8";
  if (!image.jpeg.empty()) {
    const char* space = image.jpeg_components == 1 ? "/DeviceGray" : "/DeviceRGB";
    objects_.write_stream(id, size + " /ColorSpace " + space + " /Filter /DCTDecode", image.jpeg);
    return id;
  }
  const RgbImage& pixels = *image.pixels;
  const bool gray = all_gray(pixels);
  const std::string data =
      gray ? flate(gray_channel(pixels))
           : flate(std::string_view(reinterpret_cast<const char*>(pixels.pixels.data()),
                                    pixels.pixels.size()));
  objects_.write_stream(
      id, size + " /ColorSpace " + (gray ? "/DeviceGray" : "/DeviceRGB") + " /Filter /FlateDecode",
      data);
  return id;
}

void SearchablePdf::add_page(const PageResult& result, const PdfPageImage& image) {
  const bool has_pixels =
      !image.jpeg.empty() ||
      (image.pixels && image.pixels->width == image.width && image.pixels->height == image.height &&
       image.pixels->pixels.size() == static_cast<size_t>(image.width) * image.height * 3);
  if (image.width <= 0 || image.height <= 0 || !has_pixels) {
    throw std::invalid_argument("searchable PDF: a page image without pixels");
  }
  if (!(image.dpi_x > 0) || !(image.dpi_y > 0)) {
    throw std::invalid_argument("searchable PDF: a page resolution <= 0");
  }
  const double width = image.width * 72.0 / image.dpi_x;
  const double height = image.height * 72.0 / image.dpi_y;
  const int image_id = add_image(image);

  std::string content =
      "q " + pdf_number(width) + " 0 0 " + pdf_number(height) + " 0 0 cm /Im0 Do Q\n";
  if (result.error.empty()) {
    // Boxes are in the result's pixels; the image is normally that same page.
    PdfPageGeometry geometry;
    geometry.points_per_pixel_x = width / (result.width > 0 ? result.width : image.width);
    geometry.points_per_pixel_y = height / (result.height > 0 ? result.height : image.height);
    geometry.page_height = height;
    geometry.rotation_degrees = result.rotation_degrees;
    content += pdf_text_layer(result, geometry, kFontName, codes_);
  }
  const int content_id = objects_.reserve();
  objects_.write_stream(content_id, "/Filter /FlateDecode", flate(content));

  const int page_id = objects_.reserve();
  objects_.write(page_id, "<< /Type /Page /Parent " + std::to_string(pages_) +
                              " 0 R /MediaBox [0 0 " + pdf_number(width) + " " +
                              pdf_number(height) + "] /Resources << /XObject << /Im0 " +
                              std::to_string(image_id) + " 0 R >> /Font << /" + kFontName + " " +
                              std::to_string(font_) + " 0 R >> >> /Contents " +
                              std::to_string(content_id) + " 0 R >>");
  page_ids_.push_back(page_id);
}

void SearchablePdf::write_fonts() {
  const std::string ref = " 0 R";
  objects_.write(font_,
                 "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding "
                 "/Identity-H /DescendantFonts [" +
                     std::to_string(cid_font_) + ref + "] /ToUnicode " +
                     std::to_string(to_unicode_) + ref + " >>");
  objects_.write(cid_font_,
                 "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont /CIDSystemInfo "
                 "<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor " +
                     std::to_string(descriptor_) + ref + " /DW " +
                     std::to_string(kGlyphlessAdvance) + " /CIDToGIDMap " +
                     std::to_string(cid_to_gid_) + ref + " >>");
  // Flags 5: fixed pitch + symbolic (the font has no standard Latin character set).
  objects_.write(descriptor_,
                 "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 "
                 "/FontBBox [0 " +
                     std::to_string(kGlyphlessDescent) + " " + std::to_string(kGlyphlessAdvance) +
                     " " + std::to_string(kGlyphlessAscent) + "] /ItalicAngle 0 /Ascent " +
                     std::to_string(kGlyphlessAscent) + " /Descent " +
                     std::to_string(kGlyphlessDescent) + " /CapHeight " +
                     std::to_string(kGlyphlessAscent) + " /StemV 80 /FontFile2 " +
                     std::to_string(font_file_) + ref + " >>");
  const std::string font = glyphless_truetype_font();
  objects_.write_stream(font_file_, "/Length1 " + std::to_string(font.size()), font);
  // Every CID (= character code) shows glyph 1, the empty one: 65536 big-endian 1s.
  std::string map(2 * 65536, '\0');
  for (size_t i = 1; i < map.size(); i += 2)
    map[i] = '\x01';
  objects_.write_stream(cid_to_gid_, "/Filter /FlateDecode", flate(map));
  objects_.write_stream(to_unicode_, "/Filter /FlateDecode", flate(codes_.to_unicode_cmap()));
}

std::string SearchablePdf::finish() {
  write_fonts();
  std::string kids;
  for (int id : page_ids_)
    kids += std::to_string(id) + " 0 R ";
  objects_.write(pages_, "<< /Type /Pages /Kids [" + kids + "] /Count " +
                             std::to_string(page_ids_.size()) + " >>");
  objects_.write(catalog_, "<< /Type /Catalog /Pages " + std::to_string(pages_) + " 0 R >>");
  objects_.write(info_, "<< /Producer " + pdf_text_string("mlxocr " MLXOCR_VERSION) + " /Creator " +
                            pdf_text_string("mlxocr ocr --format pdf") + " >>");
  return objects_.finish(catalog_, info_);
}

}  // namespace mlxocr
