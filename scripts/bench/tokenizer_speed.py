#!/usr/bin/env python3
"""Helpers of scripts/bench/tokenizer_speed.sh.

  corpus OUT.jsonl [MB]   writes a deterministic mixed corpus ({"text": ..} lines, ~MB megabytes
                          of UTF-8): English prose with a Zipf-like word distribution, Python and
                          C++ code, Chinese and Japanese, LaTeX and numbers, chat markup with
                          special tokens, emoji.
  hf TOKENIZER IN.jsonl   encodes every line with HF's `tokenizers` (encode_batch over all lines,
                          add_special_tokens=False) and prints one JSON line with the wall and
                          CPU seconds of that call alone; run it with RAYON_NUM_THREADS=1 and
                          TOKENIZERS_PARALLELISM=false for one thread.
  digest STATS IDS.jsonl  r1forge's --stats JSON plus the sha256 of the ids it wrote.
  report FILE.jsonl       medians of the interleaved runs in FILE, the speed ratio, and whether
                          both wrote identical ids for the whole corpus (exit 1 if not).
"""
import json
import random
import sys
import time

WORDS = ("the of and to in is was for that with as on by it at from his her this which be are "
         "an or had not but have were they one all their there been has more when can who will "
         "would some into time about only other what than then them these so two may first "
         "after most also made over many where before such through back years much your way well "
         "down should because each just those people how too little state good very make world "
         "still own see men work long get here between both life being under never day same "
         "another know while last might us great old year off come since against go came right "
         "used take three reasoning model training reward policy gradient token sequence answer "
         "problem solution equation verify compute result number digit carry sum product").split()
SYLLABLES = "ka to ri na mu se lo pe an ex qui tra bel mon dor vis ter gal pri ost".split()
CJK = ("我们计算一下结果三加五等于八这是一个测试模型训练奖励策略梯度问题答案方程验证数字和积"
       "東京日本首都カタカナひらがなテストです学習推論強化")
CODE = [
    "def {f}(x, y):\n    \"\"\"Return the {w} of x and y.\"\"\"\n    if x < {n}:\n        return x + y\n"
    "    return {f}(x - 1, y * 2)\n",
    "for (int i = 0; i < {n}; ++i) {{\n    {w}[i] = std::max({w}[i], {f}(i));\n}}\n",
    "const {w} = await fetch(`/api/{f}?n={n}`).then(r => r.json());\n",
    "SELECT {w}, COUNT(*) FROM {f} WHERE id > {n} GROUP BY {w};\n",
]
MATH = [
    "The answer is $\\boxed{{{n}}}$ since ${a} + {b} = {n}$.",
    "\\frac{{{a}}}{{{b}}} \\approx {x:.6f}, and \\sqrt{{{n}}} < {b}.",
    "<think>\n{a} * {b} = {n}. Let me verify: {n} / {b} = {a}.\n</think>\n<answer>{n}</answer>",
]
CHAT = "<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"
EMOJI = "😀👍🏽🎉🔥❤️👨‍👩‍👧🇯🇵✨🚀"


def make_corpus(path, megabytes):
    rng = random.Random(1234)
    # A long-tailed vocabulary: common words plus invented ones drawn with Zipf-like weights.
    invented = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
                for _ in range(20000)]
    vocab = WORDS + invented
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]

    def prose(n):
        words = rng.choices(vocab, weights, k=n)
        out = []
        for i, word in enumerate(words):
            if i == 0 or out[-1].endswith("."):
                word = word.capitalize()
            out.append(word + rng.choice(["", "", "", "", ",", ".", ";", "'s"]))
        return " ".join(out)

    def line():
        kind = rng.random()
        n, a, b = rng.randint(0, 99999), rng.randint(1, 999), rng.randint(1, 999)
        if kind < 0.45:
            return prose(rng.randint(20, 200))
        if kind < 0.6:
            return "".join(rng.choice(CODE).format(f=rng.choice(invented), w=rng.choice(WORDS),
                                                   n=n) for _ in range(rng.randint(1, 4)))
        if kind < 0.72:
            return "".join(rng.choice(CJK) for _ in range(rng.randint(20, 200))) + "。"
        if kind < 0.85:
            return " ".join(rng.choice(MATH).format(n=n, a=a, b=b, x=a / b)
                            for _ in range(rng.randint(1, 5)))
        if kind < 0.95:
            return CHAT.format(q=prose(rng.randint(5, 30)), a=prose(rng.randint(10, 60)))
        return prose(10) + " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 8)))

    target = int(megabytes * 1e6)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            text = line()
            written += len(text.encode("utf-8"))
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")


def hf_encode(tokenizer_path, jsonl):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(tokenizer_path)
    texts = [json.loads(l)["text"] for l in open(jsonl, encoding="utf-8")]
    start, start_cpu = time.perf_counter(), time.process_time()
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    tokens = sum(len(e.ids) for e in encodings)
    digest = ids_digest(e.ids for e in encodings)
    text_bytes = sum(len(t.encode("utf-8")) for t in texts)
    print(json.dumps({"implementation": "tokenizers", "lines": len(texts), "tokens": tokens,
                      "text_bytes": text_bytes, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "mb_per_second": text_bytes / seconds / 1e6, "ids_sha256": digest}))


def ids_digest(id_lists):
    """sha256 over every line's ids: equal digests mean identical ids for the whole corpus."""
    import hashlib
    digest = hashlib.sha256()
    for ids in id_lists:
        digest.update((",".join(map(str, ids)) + "\n").encode())
    return digest.hexdigest()


def add_digest(stats_path, ids_jsonl):
    """r1forge's --stats line plus the digest of the ids it wrote."""
    stats = json.load(open(stats_path))
    stats["implementation"] = "r1forge"
    stats["ids_sha256"] = ids_digest(json.loads(l)["ids"] for l in open(ids_jsonl))
    print(json.dumps(stats))


def report(path):
    import statistics
    runs = [json.loads(l) for l in open(path, encoding="utf-8")]
    by = {}
    for run in runs:
        by.setdefault(run["implementation"], []).append(run)
    tokens = {name: {r["tokens"] for r in rs} for name, rs in by.items()}
    print(f"{'implementation':<12} {'runs':>4} {'tokens':>9} {'MB':>6} {'wall s':>8} "
          f"{'cpu s':>7} {'MB/s (cpu)':>10}")
    medians = {}
    for name, rs in by.items():
        wall = statistics.median(r["seconds"] for r in rs)
        cpu = statistics.median(r["cpu_seconds"] for r in rs)
        mb = rs[0]["text_bytes"] / 1e6
        medians[name] = (wall, cpu)
        print(f"{name:<12} {len(rs):>4} {rs[0]['tokens']:>9} {mb:>6.2f} {wall:>8.3f} {cpu:>7.3f} "
              f"{mb / cpu:>10.2f}")
    digests = {name: {r["ids_sha256"] for r in rs} for name, rs in by.items()}
    same = digests.get("r1forge") == digests.get("tokenizers") and len(digests["r1forge"]) == 1
    ratio_cpu = medians["tokenizers"][1] / medians["r1forge"][1]
    ratio_wall = medians["tokenizers"][0] / medians["r1forge"][0]
    print(f"speed ratio r1forge / tokenizers: {ratio_cpu:.2f}x by CPU time, {ratio_wall:.2f}x by "
          f"wall time (>= 1: r1forge at least as fast); identical ids on the whole corpus: {same}")
    print(json.dumps({"ratio_cpu": ratio_cpu, "ratio_wall": ratio_wall, "identical_ids": same}))
    return 0 if same else 1


if __name__ == "__main__":
    if sys.argv[1] == "corpus":
        make_corpus(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 10)
    elif sys.argv[1] == "hf":
        hf_encode(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "digest":
        add_digest(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "report":
        sys.exit(report(sys.argv[2]))
    else:
        sys.exit(__doc__)
