#!/usr/bin/env python3
"""Golden ids for the tokenizer.json conformance test (tests/tokenizer/bpe_conformance_test.cpp).

Encodes a corpus of hard strings with HF's `tokenizers` package (the oracle) and writes
tests/golden/tokenizers/<name>.json: per string the ids with add_special_tokens false and true,
the decoded text with and without skip_special_tokens, and whether decode(encode(s)) gives s back
(NFC(s) for Qwen, whose normalizer is NFC). Tokenizers: the real Qwen3 and DeepSeek-V3 files from
the shared test data, and "llama3_style", synthesized from Qwen3 by llama3_style() below (the test
builds the same file in C++ from the Qwen3 one, so no 11 MB copy is committed). Also records what
transformers' AutoTokenizer says about bos/eos/pad and add_special_tokens for the real folders.

Usage: python scripts/tokenizer_golden.py [--testdata DIR] [--out DIR] [--check]
  --check regenerates into a temporary folder and compares with --out (a CTest entry runs it).
"""
import argparse
import json
import os
import sys
import tempfile
import unicodedata

from tokenizers import Tokenizer

# The Llama-3 pre-tokenizer regex (formats.md §4.3): Qwen's with digits in groups of 1-3.
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_BOS = "<|endoftext|>"  # Qwen3 has no BOS token; this one stands in for <|begin_of_text|>


def llama3_style(qwen: dict) -> dict:
    """Qwen3's vocab and merges with Llama-3's pipeline: no normalizer, the Llama-3 regex,
    ignore_merges, and a TemplateProcessing post-processor that adds a BOS. Mirrored by
    make_llama3_style() in tests/tokenizer/bpe_test_util.cpp."""
    out = json.loads(json.dumps(qwen))
    out["normalizer"] = None
    out["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {"Regex": LLAMA3_REGEX}
    out["model"]["ignore_merges"] = True
    bos_id = next(t["id"] for t in qwen["added_tokens"] if t["content"] == LLAMA3_BOS)
    out["post_processor"] = {
        "type": "Sequence",
        "processors": [
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
             "use_regex": False},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": LLAMA3_BOS, "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": LLAMA3_BOS, "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": LLAMA3_BOS, "type_id": 1}},
                      {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {LLAMA3_BOS: {"id": LLAMA3_BOS, "ids": [bos_id],
                                             "tokens": [LLAMA3_BOS]}}},
        ],
    }
    return out


# formats.md §4.7 (the hand-listed ids are asserted literally by the C++ test as well).
SPEC_STRINGS = [
    "Hello, my dog is cute 12345\n\n<|im_start|>user\nWhat's 2+2? 你好",
    "  hello\n\n\nworld  ",
    "1234567 and 3.14159",
    "I'M DON'T we'll",
    "<|im_end|><|endoftext|>",
    "<think>\nabc\n</think>\n\nx",
]

HARD_STRINGS = [
    # mixed scripts
    "English, Русский, Ελληνικά, العربية, עברית, हिन्दी, ไทย, 한국어, 日本語, 中文",
    "The cat (кот) sat on the 桌子 with a 猫 — très drôle!",
    "naïve café résumé Zürich São Paulo İstanbul ŞİŞLİ Straße ǅemal",
    "مرحبا بالعالم! هذا اختبار. 123 ١٢٣٤٥",
    "שלום עולם, זה מבחן",
    "नमस्ते दुनिया, यह एक परीक्षण है। क्षत्रिय",
    "สวัสดีชาวโลก นี่คือการทดสอบ",
    "ქართული ენა, Հայերեն, ᏣᎳᎩ, ᠮᠣᠩᠭᠣᠯ",
    # CJK and kana
    "我们计算一下结果：三加五等于八。",
    "東京は日本の首都です。カタカナとひらがな、ｶﾀｶﾅ半角。",
    "안녕하세요 세계! 한국어 테스트입니다.",
    "龘靐齉爩 𠀀𠀁𪚥 (CJK extension B)",
    "中文English混合mixed文本text",
    # emoji sequences
    "👍🏽 thumbs up, 👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 🇯🇵🇺🇸 flags, 1️⃣ keycap",
    "😀😃😄😁😆😅🤣😂🙂🙃 emoji run",
    "I ❤️ Python 🐍 and C++ ⚡",
    "🧑🏿‍🚀 astronaut, 👩🏻‍❤️‍💋‍👨🏼 kiss",
    # combining marks (Qwen's NFC composes some of these)
    "e\u0301 a\u0300 o\u0308 n\u0303 (decomposed accents)",
    "\u1100\u1161\u11a8 (Hangul jamo) 가각",
    "Z\u0351\u0360\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dalgo",
    "\u0301 leading combining mark, e\u0301\u0327 two marks, \u0915\u094d\u0937",
    "Å (U+212B) vs Å (U+00C5) vs A\u030a, ﬁ ligature, ① circled, ｆｕｌｌｗｉｄｔｈ",
    # digit runs
    "1234567890123456789012345678901234567890",
    "3.14159265358979 2.718281828 -0.000001 1e-10 6.022e23",
    "Phone: +1 (555) 123-4567, ZIP 90210, year 2024, ١٢٣ ۴۵۶ ०१२ １２３",
    "x² + y³ = z⁴, ½ ¾ ⅓, Ⅻ roman",
    "000000 007 1,000,000 1_000_000",
    # whitespace runs
    "a  b   c    d\t\te\n\nf\r\ng \u00a0h\u3000i\u2028j\u2029k",
    "    indented\n\tTabbed\n\n\n\n   trailing   ",
    "\n",
    " ",
    "   ",
    "\t\t\t",
    "\r\n\r\n",
    "word\u200bword\u200d\u200c zero widths",
    "end with newline\n",
    # code
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "#include <vector>\nint main() { std::vector<int> v{1, 2, 3}; return v[0] != 1; }",
    "const x = {a: [1, 2], 'b': \"c\"}; x?.a ?? null; // comment\n/* block */",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%o''k%';",
    "{\"key\": [true, false, null], \"n\": -1.5e+3, \"s\": \"\\u00e9\\n\"}",
    "x:=y|z&&w||!v>>=2<<3 -> => != == === <=> ... ::",
    "https://example.com/path?q=a%20b&x=1#frag user@mail.org C:\\Windows\\path",
    "    for (int i = 0; i < n; ++i) {\n        sum += a[i] * b[i];\n    }",
    # LaTeX
    "\\boxed{\\frac{1}{2}}",
    "$$\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}$$",
    "\\begin{align} a &= b + c \\\\ &\\leq \\sum_{i=1}^{n} x_i \\end{align}",
    "The answer is $\\boxed{42}$. Therefore $x = \\pm\\sqrt{2}$, $\\alpha\\beta\\gamma$.",
    "∀x∈ℝ: x² ≥ 0 ⇒ √(x²) = |x|, ∑∏∫∂∇ ≈ ≠ ≤ ≥",
    # special tokens inside text
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "<think>Let me think... 2+2=4</think><answer>4</answer>",
    "text<|endoftext|>more text<|endoftext|>",
    "<|im_start|<|im_end|> partial <|im_sta <|endoftext|",
    "<tool_call>{\"name\": \"f\"}</tool_call><tool_response>ok</tool_response>",
    "<｜begin▁of▁sentence｜><｜User｜>What is 1+1?<｜Assistant｜><think>\n",
    "<｜end▁of▁sentence｜>trailing<｜▁pad▁｜>",
    "<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>",
    "a<think>b</think>c<think></think>",
    # invalid-looking byte sequences and odd code points
    "\ufffd replacement \ufffd\ufffd and \\xff\\xfe literal escapes \\u0000",
    "\ufeffBOM at start, \u0000 NUL, \u0007 bell, \u001b[31m ANSI \u001b[0m",
    "\u0080\u0085\u009f C1 controls, \u00ad soft hyphen, \u200e\u200f marks",
    "\ue000\uf8ff private use, \U000f0000 plane 15, \ufdd0 \uffff noncharacters, \U0010ffff",
    "\U0001d400\U0001d401 math bold, \U0001f600 astral, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Ã©Ã¨ mojibake, â€™ â€œ â€\u009d",
    # contractions and casing
    "It's they're we've I'm you'll he'd IT'S THEY'RE We'Ve",
    "don't DON'T Don't 'tis 'twas rock 'n' roll ''quoted''",
    "ALL CAPS SENTENCE. lower case. MiXeD cAsE.",
    # long runs
    "a" * 300,
    "=" * 120 + "\n" + "-" * 80,
    "ab" * 150,
    "的" * 64,
    "!!!???...,,,;;;" * 8,
    " " * 40 + "x",
    "\n" * 30,
    # misc
    "",
    "a",
    "Hello",
    " Hello",
    "hello world",
    "Mr. O'Neil's 1st-place finish (2:03:45.6) — unbelievable!!!",
    "¿Qué? ¡Sí! «Bonjour» „Hallo“ ‹›",
]

PAIRS = [
    ("What is 2+2?", "It is 4."),
    ("你好", "<think>x</think>"),
    ("", "only b"),
]


def nfc_if(text, normalizer):
    return unicodedata.normalize("NFC", text) if normalizer == "NFC" else text


def run(name, tokenizer, normalizer, strings):
    cases = []
    for text in strings:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        ids_special = tokenizer.encode(text, add_special_tokens=True).ids
        decoded = tokenizer.decode(ids, skip_special_tokens=False)
        decoded_skip = tokenizer.decode(ids, skip_special_tokens=True)
        cases.append({"text": text, "ids": ids, "ids_special": ids_special, "decoded": decoded,
                      "decoded_skip": decoded_skip,
                      "round_trips": decoded == nfc_if(text, normalizer)})
    pairs = []
    for a, b in PAIRS:
        pairs.append({"a": a, "b": b,
                      "ids": tokenizer.encode(a, b, add_special_tokens=False).ids,
                      "ids_special": tokenizer.encode(a, b, add_special_tokens=True).ids})
    return {"tokenizer": name, "oracle": "tokenizers " + __import__("tokenizers").__version__,
            "cases": cases, "pairs": pairs}


def transformers_view(folder):
    """What transformers' AutoTokenizer does with the folder (bos/eos/pad, BOS on encode)."""
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(folder)
    sample = "Hello world"
    return {"transformers": __import__("transformers").__version__,
            "bos_token_id": tok.bos_token_id, "eos_token_id": tok.eos_token_id,
            "pad_token_id": tok.pad_token_id, "sample": sample,
            "sample_ids_add_special_tokens": tok(sample)["input_ids"],
            "sample_ids_plain": tok(sample, add_special_tokens=False)["input_ids"]}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser()
    parser.add_argument("--testdata", default=os.path.join(root, "..", "shared", "testdata"))
    parser.add_argument("--out", default=os.path.join(root, "tests", "golden", "tokenizers"))
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh run with the files in --out instead of writing")
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as fresh:
            write(args.testdata, fresh)
            failures = 0
            for name in sorted(os.listdir(fresh)):
                old = json.load(open(os.path.join(args.out, name), encoding="utf-8"))
                new = json.load(open(os.path.join(fresh, name), encoding="utf-8"))
                if old != new:
                    print(f"{name}: the committed golden file differs from a fresh run")
                    failures += 1
            print("tokenizer golden files reproduce" if failures == 0 else f"{failures} differ")
            return 1 if failures else 0
    write(args.testdata, args.out)
    return 0


def write(testdata, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    strings = SPEC_STRINGS + HARD_STRINGS
    folders = {n: os.path.join(testdata, "tokenizers", n) for n in ("qwen3", "deepseek_v3")}
    qwen_json = json.load(open(os.path.join(folders["qwen3"], "tokenizer.json"), encoding="utf-8"))
    tokenizers = {
        "qwen3": (Tokenizer.from_file(os.path.join(folders["qwen3"], "tokenizer.json")), "NFC"),
        "deepseek_v3": (Tokenizer.from_file(os.path.join(folders["deepseek_v3"],
                                                         "tokenizer.json")), None),
        "llama3_style": (Tokenizer.from_str(json.dumps(llama3_style(qwen_json))), None),
    }
    for name, (tokenizer, normalizer) in tokenizers.items():
        golden = run(name, tokenizer, normalizer, strings)
        if name in folders:
            golden["auto_tokenizer"] = transformers_view(folders[name])
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(golden, f, ensure_ascii=False, indent=None, separators=(",", ":"))
            f.write("\n")
        trips = sum(c["round_trips"] for c in golden["cases"])
        print(f"{path}: {len(golden['cases'])} strings ({trips} round-trip), "
              f"{len(golden['pairs'])} pairs, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    sys.exit(main())
