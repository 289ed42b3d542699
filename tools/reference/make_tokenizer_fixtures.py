#!/usr/bin/env python3
"""Makes the tokenizer fixtures under tests/fixtures/tokenizers/ and records what transformers does.

Two small tokenizers are trained on real English text found on this machine (licence texts, Debian
copyright files) and saved with save_pretrained, exactly in the layout real TrOCR checkpoints use:

  roberta-bpe/  byte-level BPE (tokenizers' BpeTrainer, ByteLevel pre-tokeniser), RoBERTa layout:
                <s>=0 <pad>=1 </s>=2 <unk>=3, <mask> last. Saved by RobertaTokenizerFast:
                vocab.json, merges.txt, tokenizer.json, special_tokens_map.json, tokenizer_config.json.
  xlmr-spm/     SentencePiece BPE in the XLM-R layout (fairseq offset: spm id i -> i+1, <mask> last).
                Saved by XLMRobertaTokenizer: sentencepiece.bpe.model and the two JSON files.

Then a few hundred real text lines (punctuation, digits, accents, emoji, non-Latin scripts, runs of
spaces, leading/trailing white space, "<s>" inside text, ...) are encoded and decoded by the reference
and written to <name>/expected.json with the library versions. The reference is the tokenizer a
TrOCR user gets: RobertaTokenizerFast for the byte-level BPE (what AutoTokenizer/TrOCRProcessor load)
and the slow XLMRobertaTokenizer for SentencePiece (mlxocr runs the sentencepiece library the slow
tokenizer runs). The other implementation (slow RoBERTa, fast XLM-R) is compared line by line and
every disagreement is recorded in expected.json under "other_implementation".

expected.json (one list element per line, to keep diffs readable):
  versions, reference (class name), kind, vocab_size (len(tokenizer)), special_ids,
  clean_up_tokenization_spaces (the saved setting);
  lines: {text, source, ids (with special tokens), ids_no_special (only when it is not ids without
         the first and last id), decoded: [skip_special_tokens=True, False] under the saved
         clean-up setting, decoded_other_cleanup: the same under the other setting (only when
         different)};
  decode_prefixes: prefixes of the lines' ids that end inside a multi-byte character (byte-level
         BPE; plain prefixes for SentencePiece), decoded the same way;
  decode_random: random id sequences (many lone UTF-8 continuation/lead bytes), decoded;
  other_implementation: agreement counts of the other implementation and its differences, and
         its decodes of decode_prefixes and decode_random (index by index);
  add_prefix_space_variant (roberta-bpe): ids of every line with add_prefix_space switched on.

The SentencePiece model's normaliser is nmt_nfkc restricted to the characters the text can hold
(see normalization_rules): the full map would make the fixture ~250 KB larger.

Run with the reference venv (transformers, tokenizers, sentencepiece; the fast XLM-R comparison
needs protobuf as well and is skipped, with a note in expected.json, when it is missing):

    tools/reference/.venv/bin/python tools/reference/make_tokenizer_fixtures.py

`--fast-decodes-only` adds the fast XLM-R tokenizer's decodes of the recorded prefixes and random
ids (other_implementation.decode_prefixes / decode_random) to the committed xlmr-spm/expected.json
without training the fixture tokenizers again.
"""
import glob
import json
import os
import pathlib
import platform
import random
import shutil
import sys
import tempfile
import unicodedata

import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import decoders, models, pre_tokenizers, trainers
from transformers import (AutoTokenizer, RobertaTokenizer, RobertaTokenizerFast,
                          XLMRobertaTokenizer)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "tokenizers"
SEED = 20240611
VOCAB_SIZE = 1000
MAX_LINE_CHARS = 120


# ---------------------------------------------------------------------------------------------
# Text found on this machine.

def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="strict", newline="") as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return []
    # Keep '\r' and every other character; only the line feed separates lines.
    return text.split("\n")


def training_files():
    files = sorted(glob.glob("/usr/share/common-licenses/*"))
    files += sorted(glob.glob("/usr/share/doc/*/copyright"))
    return [f for f in files if pathlib.Path(f).is_file()]


def docstring_files():
    # transformers' own sources: English prose with emoji, non-Latin examples and "<s>" markup.
    base = pathlib.Path(transformers.__file__).parent
    return sorted(str(p) for p in base.rglob("*.py"))


def training_corpus(max_chars=4_000_000, max_lines_per_file=300):
    # A cap per file keeps one huge copyright file (boost lists thousands of paths) from
    # dominating the vocabulary.
    seen, out, total = set(), [], 0
    for path in training_files():
        taken = 0
        for line in read_lines(path):
            line = line.strip()
            if len(line) < 2 or line in seen:
                continue
            seen.add(line)
            out.append(line)
            total += len(line)
            taken += 1
            if total >= max_chars:
                return out
            if taken == max_lines_per_file:
                break
    return out


def has(line, pred):
    return any(pred(c) for c in line)


def is_emoji(c):
    cp = ord(c)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF


def is_accented_latin(c):
    return 0xC0 <= ord(c) <= 0x24F and c not in "×÷"


def is_non_latin_script(c):
    cp = ord(c)
    return (0x370 <= cp <= 0x3FF or 0x400 <= cp <= 0x4FF or 0x590 <= cp <= 0x6FF
            or 0x900 <= cp <= 0x97F or 0x3040 <= cp <= 0x30FF or 0x4E00 <= cp <= 0x9FFF
            or 0xAC00 <= cp <= 0xD7AF)


def short_path(path):
    marker = "site-packages/"
    return path[path.index(marker) + len(marker):] if marker in path else path


def select_lines(rng):
    """Real lines, in categories, each with the file it came from."""
    pools = {}

    per_file = {}

    def add(category, line, path):
        # At most a few lines of one category from one file, so that the selection is varied.
        if per_file.get((category, path), 0) == 3 or line in pools.get(category, {}):
            return
        per_file[(category, path)] = per_file.get((category, path), 0) + 1
        pools.setdefault(category, {})[line] = path

    specials = ("<s>", "</s>", "<pad>", "<unk>", "<mask>")
    for path in training_files() + docstring_files():
        from_docs = path.endswith(".py")
        for line in read_lines(path):
            if not line or len(line) > MAX_LINE_CHARS:
                continue
            if has(line, lambda c: ord(c) < 0x20 and c not in "\t\r"):
                continue
            stripped = line.strip()
            if any(s in line for s in specials):
                add("special-token strings", line, path)
            if has(line, is_emoji):
                add("emoji", line, path)
            if has(line, is_non_latin_script):
                add("non-Latin script", line, path)
            if has(line, is_accented_latin):
                add("accents", line, path)
            if from_docs:
                continue
            if has(line, lambda c: ord(c) > 0x7F and not is_accented_latin(c)
                   and not is_emoji(c) and not is_non_latin_script(c)):
                add("other non-ASCII", line, path)
            if "\t" in line:
                add("tabs", line, path)
            if line != line.rstrip():
                add("trailing white space", line, path)
            if line.startswith(" ") and stripped:
                add("leading spaces", line, path)
            if "  " in stripped:
                add("runs of spaces", stripped, path)
            if any(p in line for p in (" .", " ,", " ?", " !", " 's", "n't", " ' ", " 're")):
                add("clean-up patterns", line, path)
            if has(stripped, str.isdigit):
                add("digits", stripped, path)
            if stripped and stripped.isascii():
                add("plain English", stripped, path)

    quotas = {
        "plain English": 50, "digits": 25, "accents": 35, "emoji": 20, "non-Latin script": 25,
        "other non-ASCII": 15, "runs of spaces": 20, "leading spaces": 20,
        "trailing white space": 15, "tabs": 10, "clean-up patterns": 25,
        "special-token strings": 15,
    }
    chosen, seen = [], set()
    for category, quota in quotas.items():
        candidates = sorted(pools.get(category, {}).items())
        rng.shuffle(candidates)
        taken = 0
        for line, path in candidates:
            if taken == quota:
                break
            if line in seen:
                continue
            seen.add(line)
            chosen.append({"text": line, "source": f"{category}: {short_path(path)}"})
            taken += 1
    return chosen


# Short strings that real text only contains by accident: edge cases, named as such.
EDGE_CASES = [
    "", " ", "  ", "\t", "\n", " \n ", "a", "A.", "I'm", "it's", "don't", "they're",
    "Hello world", " Hello world", "Hello world ", "  Hello   world  ", "Hello\nworld", "Hello \n world",
    "<s>", "</s>", "<mask>", "<pad>", "<unk>", "<s></s>", "a<s>b", "a <mask> b", "a<mask>b",
    "<mask> at start", "at end <mask>", "Hello<s>", "<s>Hello", " <s> ", "<s ></ s>", "<<s>>",
    "café", "cafe\u0301", "naïve façade", "Æsop Øre Ångström", "straße", "\ufb01ne \ufb02ow",
    "\uff21\uff22\uff23 \uff11\uff12\uff13", "x\u00a0y", "x\u3000y", "x\u2009y", "\u00a0lead",
    "tail\u00a0", "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷 flag", "a😀b", "数字 123", "Ελληνικά", "Русский текст",
    "العربية", "हिन्दी", "日本語のテキスト", "한국어", "١٢٣ ٤٥٦", "Ⅻ ½ ²", "€100 £5 ¥3",
    "tab\there", "a\r\nb", "1,234.56", "3.14159", "2024-06-11", "e-mail: x@y.z", "'s 't 're 've 'm 'll 'd",
    "'S 'T", "' s", "Hello , world . How are you ? Fine !", "do n't", "I 'm", "it 's", "we 've", "you 're",
    "\u200b", "a\u200db", "\ufeffBOM", "\U0010fffd", "\u0378 unassigned",
    # <mask> swallows the white space on its left: which characters count differs between the
    # fast tokenizer (Rust's is_whitespace) and the slow one (str.isspace, which has U+001C).
    "a\x1c<mask>", "a\u2009<mask>", "x \u00a0<mask>", "<mask>\u3000y",
    # Letters new in Unicode 16 (U+1C89) and 17 (U+0558): the regex engines of the fast and slow
    # tokenizers know different Unicode versions.
    "a\u1c89b", "a\u0558b 1\U00011de0",
]


# ---------------------------------------------------------------------------------------------
# Training.

def train_byte_level_bpe(lines, folder):
    tok = tokenizers.Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - 1,  # <mask> is appended last, as in RoBERTa
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer)
    raw = pathlib.Path(tempfile.mkdtemp())
    tok.model.save(str(raw))
    vocab = json.loads((raw / "vocab.json").read_text(encoding="utf-8"))
    vocab["<mask>"] = len(vocab)
    (raw / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    slow = RobertaTokenizer(str(raw / "vocab.json"), str(raw / "merges.txt"),
                            clean_up_tokenization_spaces=True)
    slow.save_pretrained(str(raw / "slow"))
    fast = RobertaTokenizerFast.from_pretrained(str(raw / "slow"), clean_up_tokenization_spaces=True)
    if folder.exists():
        shutil.rmtree(folder)
    fast.save_pretrained(str(folder))
    shutil.rmtree(raw)


def normalization_rules(texts):
    """SentencePiece's nmt_nfkc normalisation, restricted to the characters our text can hold.

    The built-in nmt_nfkc map is ~240 KB, too big for a fixture. The same behaviour on a smaller set
    of characters (Latin blocks, punctuation and symbol blocks, full-width forms, ligatures, and
    every character of the training and test text), including the compositions NFKC makes of
    decomposed sequences (e + U+0301 -> é), gives a map of a few KB. main() checks that it
    normalises every test line exactly as nmt_nfkc does, so the records hold for nmt_nfkc too.
    """
    nmt = spm.SentencePieceNormalizer(rule_name="nmt_nfkc", add_dummy_prefix=False,
                                      escape_whitespaces=False, remove_extra_whitespaces=False)
    blocks = [(0x0000, 0x036F), (0x2000, 0x2BFF), (0x3000, 0x303F), (0xFB00, 0xFB4F),
              (0xFE30, 0xFE6F), (0xFF00, 0xFFEF), (0xFEFF, 0xFEFF), (0xFFFD, 0xFFFD)]
    cps = {cp for a, b in blocks for cp in range(a, b + 1)}
    cps |= {ord(c) for t in texts for c in t}
    cps = sorted(cp for cp in cps if cp and not 0xD800 <= cp <= 0xDFFF)
    rules = {}
    for cp in cps:
        c = chr(cp)
        for source in {c, unicodedata.normalize("NFD", c)}:
            target = nmt.normalize(source)
            if target != source and source not in rules:
                rules[source] = target
    def hexes(s):
        return " ".join(f"{ord(ch):X}" for ch in s)
    lines = [f"{hexes(src)}\t{hexes(trg)}" for src, trg in sorted(rules.items())]
    return "\n".join(lines) + "\n", nmt


def train_sentencepiece(lines, folder, test_texts):
    raw = pathlib.Path(tempfile.mkdtemp())
    rules, nmt = normalization_rules(lines + test_texts)
    (raw / "rules.tsv").write_text(rules, encoding="utf-8")
    # Relative paths: the model records the prefix and the rules file, and must not hold a
    # temporary folder's name (the fixture is to come out byte-identical on every run).
    cwd = os.getcwd()
    os.chdir(raw)
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_prefix="spm",
            vocab_size=VOCAB_SIZE - 2,  # + <pad> and <mask> of the fairseq layout
            model_type="bpe",
            character_coverage=0.99998,  # keeps the accented letters of the text, not the rarest
            normalization_rule_tsv="rules.tsv",
            input_sentence_size=len(lines),
            shuffle_input_sentence=False,
            num_threads=1,
            minloglevel=2,
        )
    finally:
        os.chdir(cwd)
    ours = spm.SentencePieceNormalizer(model_file=str(raw / "spm.model"))
    plain = spm.SentencePieceNormalizer(rule_name="nmt_nfkc")
    same = sum(ours.normalize(t) == plain.normalize(t) for t in test_texts)
    print(f"xlmr-spm normaliser: {rules.count(chr(10))} rules, same as nmt_nfkc on "
          f"{same}/{len(test_texts)} test lines", file=sys.stderr)
    assert same == len(test_texts)
    (raw / "sentencepiece.bpe.model").write_bytes((raw / "spm.model").read_bytes())
    slow = XLMRobertaTokenizer(str(raw / "sentencepiece.bpe.model"))
    if folder.exists():
        shutil.rmtree(folder)
    slow.save_pretrained(str(folder))
    shutil.rmtree(raw)


# ---------------------------------------------------------------------------------------------
# Recording.

def special_ids(tok):
    names = ["bos", "eos", "pad", "unk", "cls", "sep", "mask"]
    return {n: getattr(tok, f"{n}_token_id") if getattr(tok, f"{n}_token_id") is not None else -1
            for n in names}


def decodings(tok, ids):
    """[skip_special_tokens=True, False] under the tokenizer's own clean-up setting, and the same
    pair under the other clean-up setting when that gives something else."""
    configured = tok.clean_up_tokenization_spaces
    pair = [tok.decode(ids, skip_special_tokens=skip) for skip in (True, False)]
    other = [tok.decode(ids, skip_special_tokens=skip, clean_up_tokenization_spaces=not configured)
             for skip in (True, False)]
    out = {"decoded": pair}
    if other != pair:
        out["decoded_other_cleanup"] = other
    return out


def token_bytes_fn(tok, byte_level):
    """Maps an id to the bytes it stands for (to find prefixes that cut a character)."""
    if byte_level:
        from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode
        byte_decoder = {v: k for k, v in bytes_to_unicode().items()}

        def token_bytes(i):
            t = tok.convert_ids_to_tokens(i)
            return bytes(byte_decoder[c] for c in t) if all(c in byte_decoder for c in t) else t.encode()
    else:
        def token_bytes(i):
            return tok.convert_ids_to_tokens(i).replace("\u2581", " ").encode()
    return token_bytes


def compact_json(value):
    """JSON with one list element per line: small, and a diff of two versions stays readable."""
    def dump(v):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    parts = []
    for key, v in value.items():
        if isinstance(v, list) and v and isinstance(v[0], (dict, list)):
            body = ",\n".join(dump(x) for x in v)
            parts.append(f"{dump(key)}:[\n{body}\n]")
        elif isinstance(v, dict) and any(isinstance(x, list) for x in v.values()):
            parts.append(f"{dump(key)}:{compact_json(v).rstrip()}")
        else:
            parts.append(f"{dump(key)}:{dump(v)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def record(name, ref, other, other_name, lines, byte_level, rng, extra=None):
    entries, diffs = [], []
    same_encode = same_decode = 0
    for item in lines:
        text = item["text"]
        ids = ref(text)["input_ids"]
        ids_plain = ref(text, add_special_tokens=False)["input_ids"]
        entry = dict(item, ids=ids)
        if ids_plain != ids[1:-1]:
            entry["ids_no_special"] = ids_plain
        entry.update(decodings(ref, ids))
        entries.append(entry)
        if other is not None:
            o_ids = other(text)["input_ids"]
            o_dec = decodings(other, ids)
            enc_ok = o_ids == ids
            dec_ok = all(o_dec.get(k) == entry.get(k) for k in ("decoded", "decoded_other_cleanup"))
            same_encode += enc_ok
            same_decode += dec_ok
            if not (enc_ok and dec_ok):
                diffs.append({"text": text, "ids": o_ids if not enc_ok else "same",
                              "decoded": o_dec if not dec_ok else "same"})

    # Prefixes of id sequences that end inside a multi-byte character.
    token_bytes = token_bytes_fn(ref, byte_level)
    prefixes = []
    for entry in entries:
        ids = entry["ids"][1:-1]
        if entry["text"].isascii() or len(prefixes) >= 80:
            continue
        acc = b""
        for k in range(1, len(ids)):
            acc += token_bytes(ids[k - 1])
            try:
                acc.decode("utf-8")
                continue
            except UnicodeDecodeError:
                pass
            prefix = [ref.cls_token_id] + ids[:k]
            prefixes.append(dict(ids=prefix, **decodings(ref, prefix)))
    if not prefixes:  # SentencePiece pieces are whole characters: record plain prefixes instead
        for entry in entries[:30]:
            ids = entry["ids"]
            for k in range(1, len(ids), 4):
                prefixes.append(dict(ids=ids[:k], **decodings(ref, ids[:k])))

    # Random id sequences: byte tokens that do not make valid UTF-8, special ids in the middle.
    vocab_n = len(ref)
    high_bytes = [i for i in range(vocab_n) if len(token_bytes(i)) == 1 and token_bytes(i)[0] >= 0x80]
    randoms = []
    for _ in range(100):
        n = rng.randint(1, 12)
        ids = [rng.choice(high_bytes) if high_bytes and rng.random() < 0.5 else rng.randrange(vocab_n)
               for _ in range(n)]
        randoms.append(dict(ids=ids, **decodings(ref, ids)))
    other_decodes = other_implementation_decodes(other, prefixes, randoms)

    result = {
        "generated_by": "tools/reference/make_tokenizer_fixtures.py",
        "versions": {
            "python": platform.python_version(),
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "sentencepiece": spm.__version__,
        },
        "reference": type(ref).__name__,
        "kind": "byte-level BPE" if byte_level else "SentencePiece (XLM-R)",
        "vocab_size": len(ref),
        "special_ids": special_ids(ref),
        "clean_up_tokenization_spaces": ref.clean_up_tokenization_spaces,
        "lines": entries,
        "decode_prefixes": prefixes,
        "decode_random": randoms,
        "other_implementation": {
            "name": other_name,
            "encode_identical": f"{same_encode}/{len(entries)}" if other is not None else None,
            "decode_identical": f"{same_decode}/{len(entries)}" if other is not None else None,
            "differences": diffs,
            **other_decodes,
        },
    }
    if extra:
        result.update(extra)
    path = OUT / name / "expected.json"
    path.write_text(compact_json(result), encoding="utf-8")
    print(f"{name}: {len(entries)} lines, {len(prefixes)} prefixes, {len(randoms)} random; "
          f"{other_name}: encode {result['other_implementation']['encode_identical']}, "
          f"decode {result['other_implementation']['decode_identical']}", file=sys.stderr)


def other_implementation_decodes(other, prefixes, randoms):
    """The other implementation's decodes of the same prefix and random id lists, index by index.

    For SentencePiece the other implementation is the fast tokenizer, the one AutoTokenizer loads
    in transformers 4 and the only one in 5, so these are what a user's decode gives on them."""
    if other is None:
        return {}
    return {"decode_prefixes": [decodings(other, p["ids"]) for p in prefixes],
            "decode_random": [decodings(other, r["ids"]) for r in randoms]}


def add_fast_decodes(name="xlmr-spm"):
    """Records the fast XLM-R tokenizer's decodes of the committed prefix and random id lists into
    the committed expected.json, without training anything again (the fixture tokenizers are
    trained on this machine's text files, which differ from machine to machine)."""
    from transformers import XLMRobertaTokenizerFast
    folder = OUT / name
    path = folder / "expected.json"
    expected = json.loads(path.read_text(encoding="utf-8"))
    fast = XLMRobertaTokenizerFast.from_pretrained(str(folder), from_slow=True)
    other = expected["other_implementation"]
    assert other["name"].startswith("XLMRobertaTokenizerFast"), other["name"]
    other.update(other_implementation_decodes(fast, expected["decode_prefixes"], expected["decode_random"]))
    expected["versions_fast_decodes"] = {"transformers": transformers.__version__,
                                         "tokenizers": tokenizers.__version__}
    path.write_text(compact_json(expected), encoding="utf-8")
    differ = sum(d != {k: p[k] for k in d} for d, p in zip(other["decode_prefixes"], expected["decode_prefixes"]))
    differ_r = sum(d != {k: r[k] for k in d} for d, r in zip(other["decode_random"], expected["decode_random"]))
    print(f"{name}: fast decodes recorded; they differ from the slow tokenizer's on {differ} of "
          f"{len(other['decode_prefixes'])} prefixes and {differ_r} of {len(other['decode_random'])} "
          "random id lists", file=sys.stderr)


def prefix_space_variant(folder, lines):
    """The byte-level tokenizer with add_prefix_space switched on, edited the way a user would."""
    tmp = pathlib.Path(tempfile.mkdtemp()) / "variant"
    shutil.copytree(folder, tmp)
    config = json.loads((tmp / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["add_prefix_space"] = True
    (tmp / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    tj = json.loads((tmp / "tokenizer.json").read_text(encoding="utf-8"))
    tj["pre_tokenizer"]["add_prefix_space"] = True
    tj["post_processor"]["add_prefix_space"] = True
    (tmp / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False), encoding="utf-8")
    fast = AutoTokenizer.from_pretrained(str(tmp))
    slow = RobertaTokenizer.from_pretrained(str(tmp))
    assert type(fast).__name__ == "RobertaTokenizerFast"
    ids = [fast(line["text"])["input_ids"] for line in lines]
    slow_same = sum(slow(line["text"])["input_ids"] == i for line, i in zip(lines, ids))
    shutil.rmtree(tmp.parent)
    print(f"add_prefix_space=true: RobertaTokenizer agrees on {slow_same}/{len(lines)}", file=sys.stderr)
    return {"add_prefix_space_variant": {
        "edits": "tokenizer_config.json add_prefix_space=true; tokenizer.json "
                 "pre_tokenizer.add_prefix_space=true and post_processor.add_prefix_space=true",
        "ids": ids,
        "slow_identical": f"{slow_same}/{len(lines)}",
    }}


def main():
    rng = random.Random(SEED)
    corpus = training_corpus()
    print(f"training text: {len(corpus)} lines, {sum(map(len, corpus))} characters", file=sys.stderr)
    lines = select_lines(rng) + [{"text": t, "source": "edge case"} for t in EDGE_CASES]

    bpe_dir = OUT / "roberta-bpe"
    train_byte_level_bpe(corpus, bpe_dir)
    fast = AutoTokenizer.from_pretrained(str(bpe_dir))
    assert type(fast).__name__ == "RobertaTokenizerFast", type(fast)
    slow = RobertaTokenizer.from_pretrained(str(bpe_dir))
    extra = prefix_space_variant(bpe_dir, lines)
    record("roberta-bpe", fast, slow, "RobertaTokenizer (slow)", lines, True, rng, extra)

    spm_dir = OUT / "xlmr-spm"
    train_sentencepiece(corpus, spm_dir, [line["text"] for line in lines])
    slow = XLMRobertaTokenizer.from_pretrained(str(spm_dir))
    try:
        from transformers import XLMRobertaTokenizerFast
        other = XLMRobertaTokenizerFast.from_pretrained(str(spm_dir), from_slow=True)
        other_name = "XLMRobertaTokenizerFast (converted from the slow one)"
    except Exception as e:  # protobuf missing: the comparison is optional
        reason = " ".join(str(e).split())[:120]
        other, other_name = None, f"XLMRobertaTokenizerFast: not compared ({type(e).__name__}: {reason})"
    record("xlmr-spm", slow, other, other_name, lines, False, rng)

    for name in ("roberta-bpe", "xlmr-spm"):
        size = sum(p.stat().st_size for p in (OUT / name).iterdir())
        print(f"{name}: {size} bytes: {sorted(p.name for p in (OUT / name).iterdir())}", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1:] == ["--fast-decodes-only"]:
        add_fast_decodes()
    else:
        main()
