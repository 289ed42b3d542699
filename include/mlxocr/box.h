// An axis-aligned rectangle in a page's pixels.
#pragma once

namespace mlxocr {

struct Point {
  int x = 0, y = 0;
  bool operator==(const Point&) const = default;
};

struct Box {
  int x = 0, y = 0, w = 0, h = 0;

  int right() const { return x + w; }
  int bottom() const { return y + h; }
  long long area() const { return 1LL * w * h; }
  bool operator==(const Box&) const = default;
};

// The smallest box holding both; an empty `a` (no width or height) gives `b`, so that a union
// can start from Box{}.
inline Box united(const Box& a, const Box& b) {
  if (a.w <= 0 || a.h <= 0) return b;
  const int x = a.x < b.x ? a.x : b.x, y = a.y < b.y ? a.y : b.y;
  const int r = a.right() > b.right() ? a.right() : b.right();
  const int btm = a.bottom() > b.bottom() ? a.bottom() : b.bottom();
  return {x, y, r - x, btm - y};
}

// Intersection over union of two boxes (0 when either is empty).
inline double iou(const Box& a, const Box& b) {
  const int ix = (a.right() < b.right() ? a.right() : b.right()) - (a.x > b.x ? a.x : b.x);
  const int iy = (a.bottom() < b.bottom() ? a.bottom() : b.bottom()) - (a.y > b.y ? a.y : b.y);
  if (ix <= 0 || iy <= 0) return 0.0;
  const double inter = 1.0 * ix * iy;
  return inter / (a.area() + b.area() - inter);
}

}  // namespace mlxocr
