"""mlxocr.Model: a TrOCR model loaded once, reading text lines."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Union

from mlxocr import _core
from mlxocr._images import ImageLike, is_path, is_single, to_array


@dataclass(frozen=True)
class Word:
    """A whitespace-separated word of a line and the confidence of its tokens."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Line:
    """One image's text, as `mlxocr recognize --format json` reports it.

    confidence is exp(mean token log-probability, EOS included); token_ids are the generated
    tokens (no start token); finished is False when max_new_tokens cut the text. error is set
    (and the rest empty) when the image could not be read: the other images still are.
    """

    text: str
    confidence: float
    token_ids: List[int]
    token_logprobs: List[float]
    words: List[Word]
    finished: bool
    sequence_score: Optional[float] = None
    source: str = ""
    error: str = ""
    alternatives: List["Line"] = field(default_factory=list)

    @staticmethod
    def _from_core(line: Any, source: str = "") -> "Line":
        alternatives = [Line._from_core(h) for h in getattr(line, "alternatives", [])]
        return Line(
            text=line.text,
            confidence=line.confidence,
            token_ids=list(line.token_ids),
            token_logprobs=list(line.token_logprobs),
            words=[Word(w.text, w.confidence) for w in line.words],
            finished=line.finished,
            sequence_score=line.sequence_score,
            source=source,
            error=getattr(line, "error", ""),
            alternatives=alternatives,
        )


class Model:
    """A recognition model: Model.load(folder or hub id), then recognize(images)."""

    def __init__(self, recognizer: "_core.Recognizer", path: str) -> None:
        self._recognizer = recognizer
        self.path = path

    @classmethod
    def load(
        cls, path_or_hub_id: Union[str, "os.PathLike[str]"] = "", *, dtype: Optional[str] = None
    ) -> "Model":
        """Loads a model folder, a hub id "org/name[@revision]" (from the local hub cache,
        downloaded into it when absent) or, with no argument, the bundled default model.

        dtype: "float32", "float16" or "bfloat16", the dtype the model computes in (as `mlxocr
        convert --dtype` would store it); None: float32 for a Hugging Face folder, the stored
        dtype for a converted one. Quantized layers stay quantized whatever the dtype.
        """
        folder = _core.resolve_model(os.fspath(path_or_hub_id))
        return cls(_core.Recognizer(folder, dtype or ""), str(folder))

    @property
    def dtype(self) -> str:
        """The dtype the model computes in: "float32", "float16" or "bfloat16"."""
        return self._recognizer.dtype

    def recognize(
        self,
        images: Union[ImageLike, Sequence[ImageLike]],
        *,
        batch_size: int = 8,
        min_confidence: float = 0.0,
        **generate_kwargs: Any,
    ) -> Union[Line, List[Line]]:
        """Reads each image as one text line; one image gives a Line, a list a list of Lines.

        generate_kwargs are transformers' generate() arguments (num_beams, max_new_tokens,
        do_sample, top_k, top_p, temperature, seed, num_return_sequences, length_penalty,
        early_stopping, no_repeat_ngram_size, repetition_penalty, bad_words_ids, ...) laid over
        the checkpoint's own generation settings, as `mlxocr recognize` lays its flags.
        """
        single = is_single(images)
        items = [images] if single else list(images)
        kwargs = json.dumps(generate_kwargs)
        files = [(i, os.fspath(x)) for i, x in enumerate(items) if is_path(x)]
        arrays = [(i, to_array(x)) for i, x in enumerate(items) if not is_path(x)]
        lines: List[Optional[Line]] = [None] * len(items)
        if files:
            read = self._recognizer.recognize_files(
                [f for _, f in files], kwargs, batch_size, min_confidence
            )
            for (i, name), line in zip(files, read):
                lines[i] = Line._from_core(line, name)
        if arrays:
            read = self._recognizer.recognize_arrays(
                [a for _, a in arrays], kwargs, batch_size, min_confidence
            )
            for (i, _), line in zip(arrays, read):
                lines[i] = Line._from_core(line)
        return lines[0] if single else lines  # type: ignore[return-value]
