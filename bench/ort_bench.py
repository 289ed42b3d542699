#!/usr/bin/env python3
"""The ONNX Runtime peer of `mlxocr bench` (issue 31): the model bench/run.sh draws, exported with
optimum's exporter (task image-to-text-with-past: encoder plus a decoder that reuses past keys and
values, merged into one graph as `optimum-cli export onnx` does) and run by optimum's
ORTModelForVision2Seq on onnxruntime's CPU provider, in float32 and with dynamic int8
quantization. The workload and the JSON keys are torch_bench.py's, so bench/report.py reads both.

Runs in the ORT reference venv (`tools/reference/setup.sh ort`), never in mlxocr's build or tests.

  ort_bench.py export --model DIR --out DIR [--int8]
      the ONNX files for a saved transformers model (once; run.sh caches them in its work folder);
      --int8 then quantizes every .onnx file of DIR in place (onnxruntime's quantize_dynamic)
  ort_bench.py bench --onnx DIR --images DIR [--batch-sizes 1,8] [--num-beams 1,4]
      [--new-tokens 32] [--runs 5] [--warmup 1] [--threads N] [--precision NAME] [--json FILE]

Why quantize_dynamic and not optimum's ORTQuantizer: the ORTQuantizer quantizes one ONNX file per
instance through the same onnxruntime quantizer and needs the `datasets` package only for its
static (calibrated) mode; calling onnxruntime.quantization.quantize_dynamic on each exported file
is the same quantization (the MatMuls' weights int8 per tensor, their activations uint8 quantized
per call) with one dependency fewer. Weights QInt8 with activations QUInt8 is ORT's default and its fast u8s8 path
on AVX-512 VNNI / AVX-VNNI CPUs.
"""
import argparse
import glob
import os
import shutil
import statistics
import sys
import time

from torch_bench import (add_workload_arguments, emit_json, encoder_flops, line_images,
                         peak_rss_bytes, timed_workload, workload_sizes)


def export(args):
    from optimum.exporters.onnx import main_export

    tmp = args.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    if args.int8:
        quantize_copy(args.model, tmp)
    else:
        main_export(args.model, output=tmp, task="image-to-text-with-past", device="cpu")
    shutil.rmtree(args.out, ignore_errors=True)
    os.replace(tmp, args.out)  # a half-written export is never taken for a cached one
    sizes = {os.path.basename(p): os.path.getsize(p) / 1e6
             for p in sorted(glob.glob(os.path.join(args.out, "*.onnx")))}
    print(f"{args.out}: " + ", ".join(f"{k} {v:.0f} MB" for k, v in sizes.items()))


def quantize_copy(source, out):
    """The float32 export in `source` with its .onnx files quantized dynamically to int8.

    Not the merged decoder: its two branches (with and without past) read the shared weights from
    the outer graph, which quantize_dynamic leaves in float32 (the file came out as large as the
    float32 one). Without it ORTModelForVision2Seq runs decoder_model.onnx for the first token
    and decoder_with_past_model.onnx after it, both quantized: optimum's documented route for a
    quantized seq2seq model."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    os.makedirs(out)
    for name in sorted(os.listdir(source)):
        path = os.path.join(source, name)
        if name.endswith("_merged.onnx"):
            continue
        if name.endswith(".onnx"):
            # MatMul only (every linear layer), as optimum's dynamic configurations: the
            # patch embedding's Conv would become a ConvInteger, which the CPU provider has no
            # kernel for with int8 weights.
            quantize_dynamic(path, os.path.join(out, name), op_types_to_quantize=["MatMul"],
                             weight_type=QuantType.QInt8)
        elif os.path.isfile(path) and not name.endswith(".onnx_data"):
            shutil.copy(path, out)


def session_options(threads):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # as the other peers: one operator at a time, `threads` each
    return options


def onnx_files_used(model):
    """The graphs ORTModelForVision2Seq runs: the merged decoder when the folder has one."""
    if getattr(model, "use_merged", False):
        return ["encoder_model.onnx", "decoder_model_merged.onnx"]
    return ["encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx"]


def bench(args):
    t_import = time.perf_counter()
    import onnxruntime
    import torch
    from optimum.onnxruntime import ORTModelForVision2Seq
    from transformers import ViTImageProcessor

    import_ms = (time.perf_counter() - t_import) * 1000
    if args.threads:
        torch.set_num_threads(args.threads)  # the image processor's tensors; ORT has its own pool
    batch_sizes, num_beams = workload_sizes(args)
    files, images = line_images(args.images)

    start = time.perf_counter()
    model = ORTModelForVision2Seq.from_pretrained(args.onnx, use_cache=True,
                                                  provider="CPUExecutionProvider",
                                                  session_options=session_options(args.threads))
    load_ms = (time.perf_counter() - start) * 1000
    processor = ViTImageProcessor.from_pretrained(args.onnx)
    samples, greedy_ids = timed_workload(model, processor, images, files, args, "ort")
    rss = peak_rss_bytes() / 1e6
    metrics = {k: statistics.median(v) for k, v in sorted(samples.items())}
    flops = encoder_flops(model.config)
    analysis = {"encoder_gflop_per_image": flops / 1e9,
                "encoder_gflops": flops / 1e9 / (metrics["encoder_ms_per_image"] / 1000)}
    out = {"system": "onnxruntime", "onnxruntime": onnxruntime.__version__,
           "optimum": __import__("optimum.version").version.__version__,
           "torch": torch.__version__, "transformers": __import__("transformers").__version__,
           "threads": args.threads, "model": args.onnx, "dtype": args.precision,
           "onnx_files": onnx_files_used(model),
           "workload": {"new_tokens": args.new_tokens, "runs": args.runs, "warmup": args.warmup,
                        "images": len(images), "image_source": args.images,
                        "batch_sizes": batch_sizes, "num_beams": num_beams},
           "import_ms": import_ms, "load_ms": load_ms, "metrics": metrics,
           "samples": dict(sorted(samples.items())), "greedy_ids": greedy_ids,
           "analysis": analysis, "peak_rss_mb": rss}
    emit_json(out, args.json)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export")
    p.add_argument("--model", required=True, help="a saved transformers model, or with --int8 "
                                                  "the float32 export")
    p.add_argument("--out", required=True)
    p.add_argument("--int8", action="store_true")
    p.set_defaults(func=export)
    p = sub.add_parser("bench")
    p.add_argument("--onnx", required=True)
    add_workload_arguments(p)
    p.add_argument("--precision", default="float32", help="recorded in the JSON (float32, int8)")
    p.add_argument("--json")
    p.set_defaults(func=bench)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
