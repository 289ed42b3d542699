#!/usr/bin/env bash
# Copies a training checkpoint's Hugging Face files into models/mlxocr-fields-tiny, the bundled
# default model: config, weights, tokenizer, preprocessor and generation configs; not the
# optimizer state or the trainer's resume record (training-only, and three times the size).
#
#   tools/default_model/bundle.sh RUN/checkpoint-N
#
# The model card (models/mlxocr-fields-tiny/README.md) is kept; update its figures by hand from
# bench/quality.py. Written into a temporary folder first, then swapped in.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=${1:?usage: bundle.sh CHECKPOINT_FOLDER}
dest=models/mlxocr-fields-tiny
files=(config.json generation_config.json model.safetensors preprocessor_config.json
  tokenizer.json tokenizer_config.json special_tokens_map.json vocab.json merges.txt)
for f in "${files[@]}"; do
  [ -f "$src/$f" ] || { echo "bundle.sh: $src/$f is missing (a checkpoint of mlxocr train?)" >&2; exit 1; }
done
mkdir -p models
tmp=$(mktemp -d models/.bundle.XXXXXX)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do cp "$src/$f" "$tmp/"; done
[ -f "$dest/README.md" ] && cp "$dest/README.md" "$tmp/"
rm -rf "$dest.old"
[ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$tmp" "$dest"
rm -rf "$dest.old"
du -sh "$dest"
