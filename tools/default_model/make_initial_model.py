"""The starting point of mlxocr's bundled default model: a small TrOCR with a tokenizer of its own.

Run in tools/reference's venv (transformers, tokenizers):

    tools/reference/.venv/bin/python tools/default_model/make_initial_model.py \
        --corpus build/default_model/synth-train/labels.csv --output build/default_model/init

1. A byte-level BPE tokenizer in RoBERTa's layout (what TrOCRProcessor loads for the real
   checkpoints: <s>=0, <pad>=1, </s>=2, <unk>=3, <mask> last), trained with the `tokenizers`
   library on the text column of the training CSV the synthetic generator wrote. A small
   vocabulary keeps the output layer cheap; form fields are short, so sequences stay short too.
2. A VisionEncoderDecoderModel (ViT encoder + TrOCR decoder) sized to train on 2 CPU cores in
   about an hour, with transformers' own initialisation (seeded), and the processor files, saved
   with save_pretrained: exactly the layout `mlxocr train --model` and transformers both read.

The input is a 32 x 256 strip (form fields are 3 to 20 times wider than tall; TrOCR's processor
stretches every crop to this size, so the model learns the stretch it will see).
"""

import argparse
import csv
import json
import pathlib
import shutil
import tempfile

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (GenerationConfig, RobertaTokenizer, RobertaTokenizerFast, TrOCRConfig,
                          TrOCRProcessor, ViTConfig, ViTImageProcessor, VisionEncoderDecoderConfig,
                          VisionEncoderDecoderModel)

IMAGE_HEIGHT, IMAGE_WIDTH = 32, 256


def read_texts(csv_path):
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        return [row["text"] for row in csv.DictReader(f) if row.get("text")]


def train_tokenizer(texts, vocab_size, folder):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1,  # <mask> is appended last
                                  min_frequency=2,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    raw = pathlib.Path(tempfile.mkdtemp())
    tok.model.save(str(raw))
    vocab = json.loads((raw / "vocab.json").read_text(encoding="utf-8"))
    vocab["<mask>"] = len(vocab)
    (raw / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    slow = RobertaTokenizer(str(raw / "vocab.json"), str(raw / "merges.txt"))
    slow.save_pretrained(str(raw / "slow"))
    fast = RobertaTokenizerFast.from_pretrained(str(raw / "slow"))
    fast.save_pretrained(str(folder))
    shutil.rmtree(raw)
    return fast


def build_config(vocab_size):
    encoder = ViTConfig(image_size=[IMAGE_HEIGHT, IMAGE_WIDTH], patch_size=8, num_channels=3,
                        hidden_size=192, num_hidden_layers=4, num_attention_heads=3,
                        intermediate_size=768, hidden_act="gelu", qkv_bias=True,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        layer_norm_eps=1e-12)
    decoder = TrOCRConfig(vocab_size=vocab_size, d_model=256, decoder_layers=2,
                          decoder_attention_heads=4, decoder_ffn_dim=1024,
                          activation_function="gelu", max_position_embeddings=64,
                          dropout=0.1, attention_dropout=0.0, activation_dropout=0.0,
                          scale_embedding=True, use_learned_position_embeddings=True,
                          layernorm_embedding=True, tie_word_embeddings=False,
                          cross_attention_hidden_size=192, pad_token_id=1, bos_token_id=0,
                          eos_token_id=2, decoder_start_token_id=2)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = 2
    config.pad_token_id = 1
    config.eos_token_id = 2
    config.tie_word_embeddings = False
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="training CSV (file_name,text)")
    parser.add_argument("--output", required=True, help="folder to write (replaced)")
    parser.add_argument("--vocab-size", type=int, default=640)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    out = pathlib.Path(args.output)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    texts = read_texts(args.corpus)
    tokenizer = train_tokenizer(texts, args.vocab_size, out)
    torch.manual_seed(args.seed)
    model = VisionEncoderDecoderModel(build_config(len(tokenizer)))
    model.generation_config = GenerationConfig(decoder_start_token_id=2, bos_token_id=0,
                                               eos_token_id=2, pad_token_id=1, max_new_tokens=48)
    model.save_pretrained(str(out))
    image_processor = ViTImageProcessor(size={"height": IMAGE_HEIGHT, "width": IMAGE_WIDTH},
                                        resample=2, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    TrOCRProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(str(out))
    lengths = sorted(len(tokenizer(t).input_ids) for t in texts)
    print(json.dumps({"output": str(out), "vocab_size": len(tokenizer),
                      "parameters": model.num_parameters(),
                      "label_length_p50_p99_max": [lengths[len(lengths) // 2],
                                                   lengths[int(len(lengths) * 0.99)],
                                                   lengths[-1]]}))


if __name__ == "__main__":
    main()
