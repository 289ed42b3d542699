// read_line FILE.pgm: the text the bundled model reads in an 8-bit gray PGM (P5) image, decoded
// here into memory and handed to the engine as an ImageView.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "mlxocr/error.h"
#include "mlxocr/recognizer.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::ifstream in(argv[1], std::ios::binary);
  std::string magic;
  int width = 0, height = 0, maxval = 0;
  in >> magic >> width >> height >> maxval;
  in.get();  // the one whitespace byte before the pixels
  if (!in || magic != "P5" || maxval != 255) return 2;
  std::vector<std::uint8_t> pixels(static_cast<size_t>(width) * height);
  in.read(reinterpret_cast<char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
  try {
    const mlxocr::LineRecognizer reader(mlxocr::Model::load(""));  // the bundled model
    std::cout << reader.recognize({width, height, 1, 0, pixels.data()}).text << "\n";
  } catch (const mlxocr::Error& e) {
    std::cerr << "read_line: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
