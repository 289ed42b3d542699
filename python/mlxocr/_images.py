"""What the package accepts as an image: a path, a PIL image or a uint8 NumPy array."""

from __future__ import annotations

import os
from typing import Any, Union

# A file path, a PIL.Image.Image or a uint8 array of shape (H, W) or (H, W, C), C in 1, 3, 4.
ImageLike = Union[str, "os.PathLike[str]", Any]


def is_path(image: Any) -> bool:
    return isinstance(image, (str, os.PathLike))


def to_array(image: Any) -> Any:
    """A PIL image or an array as a uint8 array the engine reads (copied only when needed).

    PIL images are converted with .convert("RGB"), as the engine converts image files (alpha
    dropped, gray replicated), so a PIL image reads as the file it came from.
    """
    import numpy as np  # numpy is a dependency of the package; imported where needed

    if hasattr(image, "convert") and hasattr(image, "mode"):  # PIL.Image.Image, without importing PIL
        image = image.convert("RGB")
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise TypeError(f"image arrays must be uint8, got {array.dtype}")
    return array


def is_single(images: Any) -> bool:
    """One image rather than a sequence of them (an array is one image, whatever its shape)."""
    return is_path(images) or not isinstance(images, (list, tuple))
