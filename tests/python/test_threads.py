"""The GIL is released while the engine computes: threads read in parallel, with the results of
one thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import List

import mlxocr
from conftest import BUNDLED_MODEL


def test_two_threads_give_the_results_of_one(line_images: List[Path]):
    models = [mlxocr.Model.load(BUNDLED_MODEL) for _ in range(2)]
    alone = models[0].recognize(line_images, max_new_tokens=12)
    results: List[object] = [None, None]

    def work(i: int) -> None:
        results[i] = models[i].recognize(line_images, max_new_tokens=12)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == alone and results[1] == alone


def test_python_runs_while_the_engine_computes(model: mlxocr.Model, line_images: List[Path]):
    # A Python thread counts while the main thread recognizes: with the GIL held for the whole
    # call it would stall until the call returns (at most one switch interval's worth of counts).
    counts = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal counts
        while not stop.is_set():
            counts += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.monotonic()
    model.recognize(line_images * 4, max_new_tokens=16, num_beams=2)
    seconds = time.monotonic() - start
    before = counts
    stop.set()
    counter.join()
    # Sleeping 1 ms a round, the counter manages hundreds of rounds a second when it runs.
    assert seconds > 0.05, "too short a call to tell"
    assert before > 20 * seconds, f"{before} counts in {seconds:.2f} s: the GIL was held"
