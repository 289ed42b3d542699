#!/usr/bin/env python3
"""Training speed of `mlxocr train` beside a PyTorch training loop of the same model:
samples/s and peak RSS, each system in its own fresh process, medians over rounds.

Runs in the reference venv (tools/reference/setup.sh), never in mlxocr's build or tests.

  train_bench.py run --model DIR --data CSV [--batch-size 32] [--steps 10] [--warmup 3]
      [--threads N] [--rounds 2] [--lr 1e-3] [--lr-warmup-steps W] [--weight-decay 0.01]
      [--label-smoothing 0.1] [--max-target-length 48] [--seed 0] [--mlxocr build/mlxocr]
      [--json FILE] [--work bench/work/train] [--keep]
      Per round, `mlxocr train` and a `torch-worker` process take --warmup + --steps optimizer
      steps of --batch-size samples each (the order of the two alternates from round to round).
      The --warmup steps are not timed; samples/s = batch size x steps / (time of the last step -
      time of the last warm-up step). mlxocr's times are the elapsed_s of its metrics.jsonl step
      lines (since training began, so loading the model and writing the final checkpoint are
      outside), its peak RSS the ru_maxrss of the finished process; the worker times its own loop
      and reports its VmHWM. Prints a markdown table of the medians and writes every raw number
      to --json.
  train_bench.py torch-worker --model DIR --data CSV --batch-size B --steps N --warmup W
      [--threads T] [--json FILE] ...
      The PyTorch side alone (run starts it): VisionEncoderDecoderModel.from_pretrained with
      every dropout 0, model.train(), torch.set_num_threads(T). Each step opens B images with
      PIL, runs the image processor and tokenizer (padding longest, truncation to
      --max-target-length, padding -> -100 in the labels), decoder inputs are the labels shifted
      right behind decoder_start_token_id; cross-entropy with label smoothing from the logits,
      backward, clip_grad_norm_(--grad-clip), AdamW (betas 0.9/0.999, eps 1e-8, decoupled weight
      decay on every parameter, as mlxocr), linear warm-up/decay LambdaLR, zero_grad.
  train_bench.py add-tokenizer --from DIR --to DIR [--force]
      Copies the tokenizer files of one model folder into another, e.g. into the random-weight
      trocr-small model of `torch_bench.py make-model` (vocabulary 64044, no tokenizer) so that
      shape can be trained; the tokenizer's ids must fit the target's decoder vocabulary.

Both sides do the same work per step: same model, data, batch size, loss, optimizer, schedule,
gradient clipping and label length; image loading and preprocessing are inside the timed loop
on both sides, and both load the next step's batch on one background thread while a step
computes (mlxocr train always does; the worker uses a one-thread executor). --torch-loader
serial loads between steps instead, as a DataLoader without workers (Seq2SeqTrainer's default)
does; on the 2-core machine of bench/TRAINING.md the two were alike within the noise (default
model's shape, five alternating runs each: medians 78.0 threaded, 74.3 serial samples/s). The data order differs (each side shuffles with its own generator), so per-step
label lengths differ a little; medians over rounds and enough --steps even that out.
Threads: mlxocr gets MLXOCR_THREADS (its kernels' threads, which also compute a training step's
matrix products) and OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) = --threads; the worker calls
torch.set_num_threads(--threads).

Example (the trocr-small shape with random weights):
  PY=tools/reference/.venv/bin/python
  $PY bench/torch_bench.py make-model --config bench/configs/trocr-small.json --out bench/work/small
  $PY bench/train_bench.py add-tokenizer --from tests/fixtures/models/vit-trocr --to bench/work/small
  $PY bench/train_bench.py run --model bench/work/small --data lines/train.csv --json train.json
"""
import argparse
import concurrent.futures
import csv
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time

from torch_bench import emit_json, peak_rss_bytes  # bench/ is on sys.path when run from there

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.json", "merges.txt", "sentencepiece.bpe.model", "added_tokens.json")
IMAGE_PROCESSOR_FILE = "preprocessor_config.json"


def fail(message):
    print(f"train_bench.py: {message}", file=sys.stderr)
    sys.exit(1)


def has_tokenizer(folder):
    def present(name):
        return os.path.isfile(os.path.join(folder, name))

    return (present("tokenizer.json") or (present("vocab.json") and present("merges.txt"))
            or present("sentencepiece.bpe.model"))


def check_model_folder(folder):
    if not os.path.isdir(folder):
        fail(f"{folder}: not a folder (a Hugging Face model folder is expected)")
    if not os.path.isfile(os.path.join(folder, "config.json")):
        fail(f"{folder}: no config.json, not a Hugging Face model folder")
    if not has_tokenizer(folder):
        fail(f"{folder}: no tokenizer (tokenizer.json, vocab.json + merges.txt or "
             f"sentencepiece.bpe.model); give it one with: train_bench.py add-tokenizer "
             f"--from MODEL_WITH_TOKENIZER --to {folder}")
    if not os.path.isfile(os.path.join(folder, IMAGE_PROCESSOR_FILE)):
        fail(f"{folder}: no {IMAGE_PROCESSOR_FILE} (the image processor's settings)")


def read_samples(path):
    """(image path, text) pairs of a CSV/TSV with a file_name,text header; paths relative to it."""
    if not os.path.isfile(path):
        fail(f"{path}: no such file")
    base = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter="\t" if path.endswith(".tsv") else ",")
        if not reader.fieldnames or not {"file_name", "text"} <= set(reader.fieldnames):
            fail(f"{path}: the header needs the columns file_name and text")
        rows = [(os.path.join(base, r["file_name"]), r["text"]) for r in reader]
    samples = [(image, text) for image, text in rows if text and os.path.isfile(image)]
    if not samples:
        fail(f"{path}: no usable rows (non-empty text and an existing image)")
    return samples, len(rows)


def linear_schedule(warmup, total):
    # The factor of the learning rate after `done` optimizer steps: transformers'
    # get_linear_schedule_with_warmup, which mlxocr's --warmup-steps follows.
    def factor(done):
        if done < warmup:
            return done / max(1, warmup)
        return max(0.0, (total - done) / max(1, total - warmup))

    return factor


def throughput(times, batch_size, warmup):
    """samples/s and ms/step over the steps after the warm-up; times[i] ends step i + 1."""
    start = times[warmup - 1] if warmup > 0 else 0.0
    span = times[-1] - start
    timed = len(times) - warmup
    return batch_size * timed / span, span / timed * 1000


# ---------------------------------------------------------------------------------------------
# torch-worker


def torch_worker(args):
    t_import = time.perf_counter()
    import torch
    import torch.nn.functional as F
    from PIL import Image
    from transformers import (AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderConfig,
                              VisionEncoderDecoderModel)
    import transformers

    import_s = time.perf_counter() - t_import
    check_model_folder(args.model)
    torch.set_num_threads(args.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(args.seed)
    samples, _ = read_samples(args.data)

    config = VisionEncoderDecoderConfig.from_pretrained(args.model)
    for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
        setattr(config.encoder, name, 0.0)
    for name in ("dropout", "attention_dropout", "activation_dropout"):
        setattr(config.decoder, name, 0.0)
    t_load = time.perf_counter()
    model = VisionEncoderDecoderModel.from_pretrained(args.model, config=config)
    model.train()
    load_s = time.perf_counter() - t_load
    try:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
    except Exception as e:  # noqa: BLE001 -- one line for any way the files can be wrong
        fail(f"{args.model}: the tokenizer does not load ({type(e).__name__}: {e})")
    processor = AutoImageProcessor.from_pretrained(args.model)
    pad = config.pad_token_id if config.pad_token_id is not None else tokenizer.pad_token_id
    start_id = config.decoder_start_token_id
    if pad is None or start_id is None:
        fail(f"{args.model}: config.json needs pad_token_id and decoder_start_token_id")
    vocab = config.decoder.vocab_size
    if len(tokenizer) > vocab:
        fail(f"{args.model}: the tokenizer has {len(tokenizer)} tokens, the decoder only {vocab}")

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8,
                                  weight_decay=args.weight_decay)
    total = args.warmup + args.steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, linear_schedule(args.lr_warmup_steps, total))

    rng = random.Random(args.seed)
    order = []

    def next_batch():
        while len(order) < args.batch_size:
            epoch = list(range(len(samples)))
            rng.shuffle(epoch)
            order.extend(epoch)
        chosen = [samples[i] for i in order[:args.batch_size]]
        del order[:args.batch_size]
        return chosen

    def prepare(batch):
        images = []
        for path, _ in batch:
            with Image.open(path) as image:
                images.append(image.convert("RGB"))
        pixels = processor(images=images, return_tensors="pt").pixel_values
        ids = tokenizer([text for _, text in batch], padding="longest", truncation=True,
                        max_length=args.max_target_length, return_tensors="pt").input_ids
        labels = ids.masked_fill(ids == tokenizer.pad_token_id, -100)
        decoder_inputs = torch.full_like(labels, start_id)
        decoder_inputs[:, 1:] = labels[:, :-1]
        decoder_inputs.masked_fill_(decoder_inputs == -100, pad)
        return pixels, labels, decoder_inputs

    # --torch-loader thread (the default) loads the next step's batch on one background thread
    # while a step computes, as mlxocr train does; serial loads it between steps, as a
    # DataLoader without workers (Seq2SeqTrainer's default) does.
    loader = (concurrent.futures.ThreadPoolExecutor(max_workers=1)
              if args.torch_loader == "thread" else None)
    times, losses, grad_norms, label_tokens = [], [], [], []
    started = time.perf_counter()
    pending = loader.submit(prepare, next_batch()) if loader else None
    for step in range(total):
        if loader:
            pixels, labels, decoder_inputs = pending.result()
            if step + 1 < total:
                pending = loader.submit(prepare, next_batch())
        else:
            pixels, labels, decoder_inputs = prepare(next_batch())

        logits = model(pixel_values=pixels, decoder_input_ids=decoder_inputs).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                               ignore_index=-100, label_smoothing=args.label_smoothing)
        loss.backward()
        if step == 0:  # the pooler of a ViT encoder, for one, is never used by the loss
            with_gradient = sum(p.grad is not None for p in params)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, args.grad_clip)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())  # synchronous, as mlxocr reads its loss every step
        grad_norms.append(grad_norm.item())
        label_tokens.append(int((labels != -100).sum()))
        times.append(time.perf_counter() - started)
        print(f"[torch] step {step + 1}/{total} loss {losses[-1]:.4f}", file=sys.stderr)

    if loader:
        loader.shutdown()
    samples_per_s, ms_per_step = throughput(times, args.batch_size, args.warmup)
    out = {"system": "pytorch", "torch": torch.__version__,
           "transformers": transformers.__version__, "threads": torch.get_num_threads(),
           "attn_implementation": getattr(model.config, "_attn_implementation", None),
           "image_processor": type(processor).__name__, "tokenizer": type(tokenizer).__name__,
           "trainable_tensors": len(params), "tensors_with_gradient": with_gradient,
           "trainable_parameters": sum(p.numel() for p in params),
           "import_s": import_s, "load_s": load_s,
           "samples_per_s": samples_per_s, "ms_per_step": ms_per_step,
           "elapsed_s": times, "loss": losses, "grad_norm": grad_norms,
           "label_tokens": label_tokens, "peak_rss_bytes": peak_rss_bytes()}
    emit_json(out, args.json)


# ---------------------------------------------------------------------------------------------
# run


def run_measured(command, env, log_path):
    """Runs command to the end; (exit code, peak RSS bytes of the process, wall seconds)."""
    start = time.perf_counter()
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
    return process.returncode, usage.ru_maxrss * 1024, time.perf_counter() - start


def log_tail(path, lines=15):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


def shared_options(args):
    return ["--batch-size", str(args.batch_size), "--lr", repr(args.lr),
            "--weight-decay", repr(args.weight_decay),
            "--label-smoothing", repr(args.label_smoothing),
            "--grad-clip", repr(args.grad_clip),
            "--max-target-length", str(args.max_target_length), "--seed", str(args.seed)]


def run_mlxocr(args, round_dir, total):
    out_dir = os.path.join(round_dir, "mlxocr-out")
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    command = [args.mlxocr, "train", "-m", args.model, "--train", args.data, "-o", out_dir,
               "--max-steps", str(total), "--warmup-steps", str(args.lr_warmup_steps),
               "--save-every", "100000", "--no-dropout", "--no-progress"] + shared_options(args)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads),
               OMP_NUM_THREADS=str(args.threads), MLXOCR_THREADS=str(args.threads))
    log_path = os.path.join(round_dir, "mlxocr.log")
    code, rss, wall = run_measured(command, env, log_path)
    if code != 0:
        fail(f"mlxocr train exited with {code}; the end of {log_path}:\n{log_tail(log_path)}")
    steps = []
    with open(os.path.join(out_dir, "metrics.jsonl")) as f:
        for line in f:
            record = json.loads(line)
            if "loss" in record and "elapsed_s" in record:
                steps.append(record)
    steps.sort(key=lambda r: r["step"])
    if len(steps) != total:
        fail(f"{out_dir}/metrics.jsonl: {len(steps)} step lines, {total} expected")
    times = [r["elapsed_s"] for r in steps]
    samples_per_s, ms_per_step = throughput(times, args.batch_size, args.warmup)
    if not args.keep:
        shutil.rmtree(out_dir)  # the final checkpoint: model and optimizer state, large
    return {"system": "mlxocr", "command": command, "exit_code": code, "wall_s": wall,
            "samples_per_s": samples_per_s, "ms_per_step": ms_per_step, "elapsed_s": times,
            "loss": [r["loss"] for r in steps], "grad_norm": [r.get("grad_norm") for r in steps],
            "peak_rss_bytes": rss}


def run_torch(args, round_dir):
    result_path = os.path.join(round_dir, "torch.json")
    if os.path.exists(result_path):
        os.remove(result_path)
    command = [sys.executable, os.path.abspath(__file__), "torch-worker", "--model", args.model,
               "--data", args.data, "--steps", str(args.steps), "--warmup", str(args.warmup),
               "--lr-warmup-steps", str(args.lr_warmup_steps), "--threads", str(args.threads),
               "--torch-loader", args.torch_loader, "--json", result_path] + shared_options(args)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    log_path = os.path.join(round_dir, "torch.log")
    code, rss, wall = run_measured(command, env, log_path)
    if code != 0 or not os.path.isfile(result_path):
        fail(f"the torch worker exited with {code}; the end of {log_path}:\n{log_tail(log_path)}")
    with open(result_path) as f:
        result = json.load(f)
    result.update(command=command, exit_code=code, wall_s=wall, process_ru_maxrss_bytes=rss)
    return result


def git_state():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip() != ""
        return {"commit": head, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def run(args):
    check_model_folder(args.model)
    if not (os.path.isfile(args.mlxocr) and os.access(args.mlxocr, os.X_OK)):
        fail(f"{args.mlxocr}: no mlxocr executable there (./dev.sh build, or --mlxocr PATH)")
    if args.steps < 1 or args.warmup < 0 or args.rounds < 1 or args.batch_size < 1:
        fail("--steps, --rounds and --batch-size must be at least 1, --warmup at least 0")
    samples, rows = read_samples(args.data)
    args.threads = args.threads or len(os.sched_getaffinity(0))
    if args.lr_warmup_steps is None:
        args.lr_warmup_steps = args.warmup
    total = args.warmup + args.steps
    version = subprocess.run([args.mlxocr, "--version"], capture_output=True,
                             text=True).stdout.strip()

    load_before = os.getloadavg()
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    rounds = []
    for r in range(args.rounds):
        round_dir = os.path.join(args.work, f"round-{r + 1}")
        os.makedirs(round_dir, exist_ok=True)
        order = ["mlxocr", "pytorch"] if r % 2 == 0 else ["pytorch", "mlxocr"]
        entry = {"round": r + 1, "order": order}
        for system in order:
            print(f"[train_bench] round {r + 1}/{args.rounds}: {system}, {total} steps of "
                  f"{args.batch_size}", file=sys.stderr)
            entry[system] = (run_mlxocr(args, round_dir, total) if system == "mlxocr"
                             else run_torch(args, round_dir))
        rounds.append(entry)
    load_after = os.getloadavg()

    def median(system, key):
        return statistics.median(entry[system][key] for entry in rounds)

    summary = {}
    for system in ("mlxocr", "pytorch"):
        summary[system] = {"samples_per_s": median(system, "samples_per_s"),
                           "ms_per_step": median(system, "ms_per_step"),
                           "peak_rss_bytes": median(system, "peak_rss_bytes")}
    ours, peer = summary["mlxocr"], summary["pytorch"]
    summary["ratios"] = {
        "samples_per_s_mlxocr_over_pytorch": ours["samples_per_s"] / peer["samples_per_s"],
        "peak_rss_mlxocr_over_pytorch": ours["peak_rss_bytes"] / peer["peak_rss_bytes"]}

    report = {"benchmark": "train", "date": date, "command_line": [sys.argv[0]] + sys.argv[1:],
              "machine": {"uname_m": platform.machine(), "nproc": len(os.sched_getaffinity(0)),
                          "cpu": cpu_model(), "load_average_before": list(load_before),
                          "load_average_after": list(load_after)},
              "mlxocr": {"path": args.mlxocr, "version": version, "git": git_state()},
              "pytorch": {"torch": rounds[0]["pytorch"].get("torch"),
                          "transformers": rounds[0]["pytorch"].get("transformers")},
              "workload": {"model": args.model, "data": args.data, "data_rows": rows,
                           "usable_rows": len(samples), "batch_size": args.batch_size,
                           "warmup_steps_untimed": args.warmup, "timed_steps": args.steps,
                           "lr": args.lr, "lr_warmup_steps": args.lr_warmup_steps,
                           "weight_decay": args.weight_decay,
                           "label_smoothing": args.label_smoothing, "grad_clip": args.grad_clip,
                           "max_target_length": args.max_target_length, "seed": args.seed,
                           "threads": args.threads, "rounds": args.rounds, "dropout": 0.0,
                           "torch_loader": args.torch_loader},
              "summary": summary, "rounds": rounds}
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        emit_json(report, args.json)

    mib = 1024 * 1024
    print(f"Training, {os.path.basename(os.path.normpath(args.model))}, batch {args.batch_size}, "
          f"{args.steps} timed steps after {args.warmup}, {args.threads} threads, medians of "
          f"{args.rounds} round(s); ratios are mlxocr / pytorch "
          f"(samples/s: >1 means mlxocr is faster; peak RSS: <1 means mlxocr uses less)")
    print()
    print("| system | samples/s | ms/step | peak RSS (MiB) | samples/s ratio | peak RSS ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    ratios = summary["ratios"]
    print(f"| mlxocr | {ours['samples_per_s']:.2f} | {ours['ms_per_step']:.1f} | "
          f"{ours['peak_rss_bytes'] / mib:.0f} | "
          f"{ratios['samples_per_s_mlxocr_over_pytorch']:.2f} | "
          f"{ratios['peak_rss_mlxocr_over_pytorch']:.2f} |")
    print(f"| pytorch | {peer['samples_per_s']:.2f} | {peer['ms_per_step']:.1f} | "
          f"{peer['peak_rss_bytes'] / mib:.0f} | 1.00 | 1.00 |")
    print()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
          + (f"; raw numbers in {args.json}" if args.json else ""))


# ---------------------------------------------------------------------------------------------
# add-tokenizer


def add_tokenizer(args):
    source, target = args.source, args.target
    if not os.path.isdir(source):
        fail(f"{source}: not a folder")
    if not has_tokenizer(source):
        fail(f"{source}: no tokenizer to copy (tokenizer.json, vocab.json + merges.txt or "
             f"sentencepiece.bpe.model)")
    config_path = os.path.join(target, "config.json")
    if not os.path.isfile(config_path):
        fail(f"{target}: no config.json, not a Hugging Face model folder")
    present = [name for name in TOKENIZER_FILES if os.path.isfile(os.path.join(source, name))]
    clashing = [name for name in present if os.path.exists(os.path.join(target, name))]
    if clashing and not args.force:
        fail(f"{target}: already has {', '.join(clashing)} (--force replaces them)")

    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except Exception as e:  # noqa: BLE001
        fail(f"{source}: the tokenizer does not load ({type(e).__name__}: {e})")
    with open(config_path) as f:
        config = json.load(f)
    vocab = config.get("decoder", {}).get("vocab_size")
    if vocab is not None and len(tokenizer) > vocab:
        fail(f"{source}: the tokenizer has {len(tokenizer)} tokens, more than the {vocab} of "
             f"{target}'s decoder")
    for name in present:
        shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    print(f"{target}: copied {', '.join(present)} ({len(tokenizer)} tokens, decoder vocabulary "
          f"{vocab})")
    for key, token_id in (("pad_token_id", tokenizer.pad_token_id),
                          ("eos_token_id", tokenizer.eos_token_id)):
        if key in config and token_id is not None and config[key] != token_id:
            print(f"note: config.json's {key} is {config[key]}, the tokenizer's {token_id}",
                  file=sys.stderr)


# ---------------------------------------------------------------------------------------------


def add_training_options(p):
    p.add_argument("--model", required=True, help="Hugging Face model folder with a tokenizer")
    p.add_argument("--data", required=True, help="CSV/TSV with a file_name,text header")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=10, help="timed steps")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before them")
    p.add_argument("--threads", type=int, default=0, help="default: nproc")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lr-warmup-steps", type=int, default=None,
                   help="linear warm-up of the schedule (default: --warmup)")
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--max-target-length", type=int, default=48)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--torch-loader", choices=("thread", "serial"), default="thread",
                   help="how the PyTorch side loads batches (see the module's text)")
    p.add_argument("--json")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="both systems, alternating, medians")
    add_training_options(p)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--mlxocr", default="build/mlxocr")
    p.add_argument("--work", default="bench/work/train",
                   help="per-round logs and outputs (default bench/work/train)")
    p.add_argument("--keep", action="store_true", help="keep mlxocr's output folders")
    p.set_defaults(func=run)
    p = sub.add_parser("torch-worker", help="the PyTorch side alone, one process")
    add_training_options(p)
    p.set_defaults(func=torch_worker)
    p = sub.add_parser("add-tokenizer", help="copy tokenizer files into a model folder")
    p.add_argument("--from", dest="source", required=True)
    p.add_argument("--to", dest="target", required=True)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=add_tokenizer)
    args = parser.parse_args()
    if args.func is torch_worker and args.lr_warmup_steps is None:
        args.lr_warmup_steps = args.warmup
    args.func(args)


if __name__ == "__main__":
    main()
