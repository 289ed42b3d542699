"""The starting point of mlxocr's bundled default model: a small TrOCR with a tokenizer of its own.

Run in tools/reference's venv (transformers, tokenizers):

    tools/reference/.venv/bin/python tools/default_model/make_initial_model.py \
        --corpus build/default_model/synth-train/labels.csv --output build/default_model/init

1. A byte-level BPE tokenizer in RoBERTa's layout (what TrOCRProcessor loads for the real
   checkpoints: <s>=0, <pad>=1, </s>=2, <unk>=3, <mask> last), trained with the `tokenizers`
   library on the text column of the training CSV the synthetic generator wrote. With
   --vocab-size 261 it has no merges: one token per character (two for an accented letter),
   which is what the current default model uses (each decoding step reads one glyph).
2. A VisionEncoderDecoderModel (ViT encoder + TrOCR decoder) sized to train on 2 CPU cores in
   about an hour, with transformers' own initialisation (seeded), and the processor files, saved
   with save_pretrained: exactly the layout `mlxocr train --model` and transformers both read.

The input is a 32 x 384 strip (form fields are 3 to 20 times wider than tall; TrOCR's processor
stretches every crop to this size, so the model learns the stretch it will see). Its patches are
full-height columns, 32 x 6 pixels: each of the 64 encoder tokens is a slice of the line, so the
encoder starts out with the left-to-right order the decoder reads in. Square 8 x 8 patches (the
first attempt) left a from-scratch ViT to learn to stack four rows of patches into letters, and it
did not within the time budget (see README.md).
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

IMAGE_HEIGHT, IMAGE_WIDTH = 32, 384
PATCH = [32, 6]  # [height, width]: a full-height column
MAX_POSITIONS = 64  # decoder positions: the longest field (55 characters) and its start/end tokens


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


def build_config(vocab_size, encoder_width):
    encoder = ViTConfig(image_size=[IMAGE_HEIGHT, IMAGE_WIDTH], patch_size=PATCH, num_channels=3,
                        hidden_size=encoder_width, num_hidden_layers=4,
                        num_attention_heads=encoder_width // 64,
                        intermediate_size=4 * encoder_width, hidden_act="gelu", qkv_bias=True,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        layer_norm_eps=1e-12)
    decoder = TrOCRConfig(vocab_size=vocab_size, d_model=256, decoder_layers=2,
                          decoder_attention_heads=4, decoder_ffn_dim=1024,
                          activation_function="gelu", max_position_embeddings=MAX_POSITIONS,
                          dropout=0.1, attention_dropout=0.0, activation_dropout=0.0,
                          scale_embedding=True, use_learned_position_embeddings=True,
                          layernorm_embedding=True, tie_word_embeddings=False,
                          cross_attention_hidden_size=encoder_width, pad_token_id=1, bos_token_id=0,
                          eos_token_id=2, decoder_start_token_id=2)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(encoder, decoder)
    config.decoder_start_token_id = 2
    config.pad_token_id = 1
    config.eos_token_id = 2
    config.tie_word_embeddings = False
    return config


def sinusoids(positions, width):
    """The Transformer paper's position code: sin/cos pairs at geometric frequencies."""
    position = torch.arange(positions, dtype=torch.float32)[:, None]
    frequency = 10000.0 ** (-torch.arange(0, width, 2, dtype=torch.float32) / width)
    code = torch.zeros(positions, width)
    code[:, 0::2] = torch.sin(position * frequency)
    code[:, 1::2] = torch.cos(position * frequency)
    return code


def distinct_positions(model, scale):
    """Start both learned position tables from sinusoids instead of N(0, 0.02).

    transformers' tiny initial positions are 20 times weaker than the patch contents, so a
    from-scratch model first learns the language of the fields and reads nothing: the decoder's
    cross-attention cannot tell the columns apart to find "the next letter" (the first attempt's
    plateau). Sinusoids of about the contents' size make every column and every output position
    distinct from step 0; training still adjusts them (they stay ordinary learned embeddings).
    """
    with torch.no_grad():
        table = model.encoder.embeddings.position_embeddings  # [1, 1 + columns, width]: CLS first
        table[0, 1:] = scale * sinusoids(table.shape[1] - 1, table.shape[2])
        decoder = model.decoder.model.decoder.embed_positions.weight  # offset 2, as BART's
        decoder[2:] = scale * sinusoids(decoder.shape[0] - 2, decoder.shape[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="training CSV (file_name,text)")
    parser.add_argument("--output", required=True, help="folder to write (replaced)")
    parser.add_argument("--vocab-size", type=int, default=640)
    parser.add_argument("--encoder-width", type=int, default=256,
                        help="ViT hidden size (a multiple of 64; heads of 64)")
    parser.add_argument("--position-scale", type=float, default=0.5,
                        help="amplitude of the sinusoidal initial positions (0: transformers' init)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    out = pathlib.Path(args.output)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    texts = read_texts(args.corpus)
    tokenizer = train_tokenizer(texts, args.vocab_size, out)
    torch.manual_seed(args.seed)
    model = VisionEncoderDecoderModel(build_config(len(tokenizer), args.encoder_width))
    if args.position_scale:
        distinct_positions(model, args.position_scale)
    model.generation_config = GenerationConfig(decoder_start_token_id=2, bos_token_id=0,
                                               eos_token_id=2, pad_token_id=1,
                                               max_new_tokens=MAX_POSITIONS - 2)
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
