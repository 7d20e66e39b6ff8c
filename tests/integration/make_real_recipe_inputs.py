#!/usr/bin/env python3
"""Makes the inputs the real-scale recipes (configs/r1-qwen2.5-1.5b.yaml,
configs/grpo/r1-zero-gsm8k.yaml) expect, at toy scale, under OUT (run the recipe from OUT):

  models/Qwen2.5-1.5B/   a tiny random Qwen2.5-architecture model (2 layers, 64 wide) with the
                         real vocabulary (151,936 embedding rows) and Qwen's real tokenizer.json
                         from ../shared/testdata, tokenizer_config.json as Qwen2.5 base ships it
                         (eos <|endoftext|>, the Qwen2.5 chat template embedded)
  data/OpenR1-Math-220k/data/train-0000{0,1}-of-00002.parquet   open-r1's 14 columns
  data/gsm8k/main/{train,test}-00000-of-00001.parquet           question, answer "... #### n"
  data/MATH-500/test-00000-of-00001.parquet                     problem, solution, answer, ...
  data/MATH/data/train-00000-of-00001.parquet                   problem, level, solution, type
  data/cold_start/train.jsonl, data/non_reasoning/train.jsonl   {"prompt", "completion"}

Rows are simple sums so the accuracy reward has something to score; the model is random, so
the point is that every stage runs on real formats, not that it learns.
Usage: make_real_recipe_inputs.py OUT TESTDATA_DIR
"""
import json
import os
import random
import shutil
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import torch
from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_parquet_fixtures import OPENR1_SCHEMA, openr1_row  # noqa: E402


def make_model(folder, testdata):
    # Qwen2.5-1.5B's quirks (q/k/v biases, GQA, tied embeddings, theta 1e6, 151,936 rows),
    # scaled down in depth and width.
    config = Qwen2Config(
        vocab_size=151936, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        max_window_layers=2, sliding_window=4096, use_sliding_window=False,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, rms_norm_eps=1e-6,
        tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151643)
    torch.manual_seed(7)
    model = Qwen2ForCausalLM(config).float()
    model.generation_config = GenerationConfig(bos_token_id=151643, eos_token_id=151643,
                                               max_new_tokens=2048)
    model.save_pretrained(folder)
    source = os.path.join(testdata, "tokenizers", "qwen3")
    shutil.copy(os.path.join(source, "tokenizer.json"), folder)
    with open(os.path.join(source, "tokenizer_config.json"), encoding="utf-8") as f:
        tokenizer_config = json.load(f)
    with open(os.path.join(ROOT, "tests", "golden", "chat_templates", "qwen2_5.jinja"),
              encoding="utf-8") as f:
        tokenizer_config["chat_template"] = f.read()
    tokenizer_config["eos_token"] = "<|endoftext|>"  # Qwen2.5 base; Instruct uses <|im_end|>
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, ensure_ascii=False, indent=2)


def sums(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        a, b = rng.randint(1, 50), rng.randint(1, 50)
        yield a, b, a + b


def write_parquet(table, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path, row_group_size=8)


def write_jsonl(rows, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def make_data(out):
    openr1 = [openr1_row(i, f"What is ${a} + {b}$?", str(c), f"{a} + {b} = {c}.")
              for i, (a, b, c) in enumerate(sums(24, 1))]
    write_parquet(pa.Table.from_pylist(openr1[:12], schema=OPENR1_SCHEMA),
                  f"{out}/data/OpenR1-Math-220k/data/train-00000-of-00002.parquet")
    write_parquet(pa.Table.from_pylist(openr1[12:], schema=OPENR1_SCHEMA),
                  f"{out}/data/OpenR1-Math-220k/data/train-00001-of-00002.parquet")
    for split, seed, count in (("train", 2, 24), ("test", 3, 8)):
        rows = [{"question": f"Tom has {a} apples and buys {b} more. How many apples now?",
                 "answer": f"He has {a} + {b} = <<{a}+{b}={c}>>{c} apples.\n#### {c}"}
                for a, b, c in sums(count, seed)]
        write_parquet(pa.Table.from_pylist(rows),
                      f"{out}/data/gsm8k/main/{split}-00000-of-00001.parquet")
    math500 = [{"problem": f"Compute ${a}+{b}$.", "solution": f"${a}+{b}=\\boxed{{{c}}}$.",
                "answer": str(c), "subject": "Prealgebra", "level": 1,
                "unique_id": f"test/prealgebra/{i}.json"} for i, (a, b, c) in enumerate(sums(8, 4))]
    write_parquet(pa.Table.from_pylist(math500),
                  f"{out}/data/MATH-500/test-00000-of-00001.parquet")
    math = [{"problem": f"Find ${a}+{b}$.", "level": "Level 1",
             "solution": f"Adding, ${a}+{b}=\\boxed{{{c}}}$.", "type": "Prealgebra"}
            for a, b, c in sums(24, 5)]
    write_parquet(pa.Table.from_pylist(math), f"{out}/data/MATH/data/train-00000-of-00001.parquet")
    write_jsonl([{"prompt": f"What is {a} + {b}?",
                  "completion": f"<think>{a} + {b} = {c}</think> <answer>{c}</answer>"}
                 for a, b, c in sums(24, 6)], f"{out}/data/cold_start/train.jsonl")
    write_jsonl([{"prompt": f"Say the number {a}.", "completion": f"{a}."}
                 for a, _, _ in sums(12, 7)], f"{out}/data/non_reasoning/train.jsonl")


def main():
    out, testdata = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    make_model(os.path.join(out, "models", "Qwen2.5-1.5B"), testdata)
    make_data(out)
    print(f"wrote the real recipes' inputs under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
