#!/usr/bin/env python3
"""Writes the Parquet test fixtures under tests/golden/datasets/ with pyarrow, in the column
layouts of the Hugging Face datasets researchers train on (formats.md section 12):

  gsm8k/main/{train,test}-00000-of-00001.parquet   openai/gsm8k: question, answer ("... #### 72")
  math500/test-00000-of-00001.parquet               HuggingFaceH4/MATH-500: problem, solution,
                                                    answer, subject, level (int64), unique_id
  openr1_math/data/train-0000{0,1}-of-00002.parquet open-r1/OpenR1-Math-220k: 14 columns incl.
                                                    list<bool>, list<string> and the nested
                                                    messages list<struct<content, role>>
  types/types.parquet                               every other column type r1forge maps

Beside each Parquet file it writes <file>.expected.jsonl: the rows as pyarrow's own Python
conversion (Table.to_pylist) sees them, the independent oracle the C++ reader is compared with.
Small row groups (2 rows) and two codecs (snappy, zstd) exercise the reader's paging. Output is
deterministic; rerun after changing a layout: scripts/make_parquet_fixtures.py [OUT_DIR]
"""
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "golden", "datasets")


def write(table, relative, compression="snappy"):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path, row_group_size=2, compression=compression)
    with open(path + ".expected.jsonl", "w", encoding="utf-8") as out:
        for row in table.to_pylist():
            out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def gsm8k():
    train = {
        "question": [
            "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
            "clips in May. How many clips did Natalia sell altogether in April and May?",
            "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of "
            "babysitting. How much did she earn?",
            "Betty is saving money for a new wallet which costs $100. Betty has only half of the "
            "money she needs. Her parents decided to give her $15 for that purpose, and her "
            "grandparents twice as much as her parents. How much more money does Betty need?",
        ],
        "answer": [
            "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 "
            "clips altogether in April and May.\n#### 72",
            "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned "
            "0.2 x 50 = $<<0.2*50=10>>10.\n#### 10",
            "In the beginning, Betty has only 100 / 2 = $<<100/2=50>>50.\nBetty's grandparents "
            "gave her 15 * 2 = $<<15*2=30>>30.\nThis means, Betty needs 100 - 50 - 30 - 15 = "
            "$<<100-50-30-15=5>>5 more.\n#### 5",
        ],
    }
    write(pa.table(train), "gsm8k/main/train-00000-of-00001.parquet")
    test = {
        "question": ["Janet's ducks lay 16 eggs per day. She eats three for breakfast every "
                     "morning and bakes muffins for her friends every day with four. She sells "
                     "the remainder at the farmers' market daily for $2 per fresh duck egg. How "
                     "much in dollars does she make every day at the farmers' market?"],
        "answer": ["Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = "
                   "$<<9*2=18>>18 every day at the farmer's market.\n#### 18"],
    }
    write(pa.table(test), "gsm8k/main/test-00000-of-00001.parquet")


def math500():
    table = pa.table({
        "problem": [
            "Convert the point $(0,3)$ in rectangular coordinates to polar coordinates.  Enter "
            "your answer in the form $(r,\\theta),$ where $r > 0$ and $0 \\le \\theta < 2 \\pi.$",
            "If $f(x) = \\frac{3x-2}{x-2}$, what is the value of $f(-2) +f(-1)+f(0)$? Express "
            "your answer as a common fraction.",
            "How many positive whole-number divisors does 196 have?",
        ],
        "solution": [
            "We have that $r = \\sqrt{0^2 + 3^2} = 3.$ ... \\[\\boxed{\\left( 3, \\frac{\\pi}{2} "
            "\\right)}.\\]",
            "$f(-2) +f(-1)+f(0)=\\frac{-8}{-4}+\\frac{-5}{-3}+\\frac{-2}{-2}=\\boxed{\\frac{14}{3}}$",
            "First prime factorize $196=2^2\\cdot7^2$. ... $(2+1)(2+1)=\\boxed{9}$ divisors.",
        ],
        "answer": ["\\left( 3, \\frac{\\pi}{2} \\right)", "\\frac{14}{3}", "9"],
        "subject": ["Precalculus", "Algebra", "Number Theory"],
        "level": pa.array([2, 3, 3], type=pa.int64()),
        "unique_id": ["test/precalculus/807.json", "test/algebra/2584.json",
                      "test/number_theory/572.json"],
    })
    write(table, "math500/test-00000-of-00001.parquet", compression="zstd")


OPENR1_SCHEMA = pa.schema([
    ("problem", pa.string()), ("solution", pa.string()), ("answer", pa.string()),
    ("problem_type", pa.string()), ("question_type", pa.string()), ("source", pa.string()),
    ("uuid", pa.string()), ("is_reasoning_complete", pa.list_(pa.bool_())),
    ("generations", pa.list_(pa.string())), ("correctness_math_verify", pa.list_(pa.bool_())),
    ("correctness_llama", pa.list_(pa.bool_())), ("finish_reasons", pa.list_(pa.string())),
    ("correctness_count", pa.int64()),
    ("messages", pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))),
])


def openr1_row(index, problem, answer, thinking):
    generation = f"<think>\n{thinking}\n</think>\n\nThe answer is $\\boxed{{{answer}}}$."
    return {
        "problem": problem,
        "solution": f"{thinking} So the answer is $\\boxed{{{answer}}}$.",
        "answer": answer,
        "problem_type": "Algebra",
        "question_type": "math-word-problem",
        "source": "olympiads" if index % 2 else "cn_contest",
        "uuid": f"00000000-0000-4000-8000-{index:012d}",
        "is_reasoning_complete": [True, index % 3 != 0],
        "generations": [generation, generation.replace("answer is", "result is")],
        "correctness_math_verify": [True, index % 2 == 0],
        # open-r1 has nulls here where the Llama judge was not run.
        "correctness_llama": None if index % 3 == 0 else [True, False],
        "finish_reasons": None if index % 2 else ["stop", "length"],
        "correctness_count": 1 + index % 2,
        "messages": [{"content": problem, "role": "user"},
                     {"content": generation, "role": "assistant"}],
    }


def openr1():
    rows = [
        openr1_row(0, "Solve $2x + 3 = 11$ for $x$.", "4", "2x = 8, so x = 4."),
        openr1_row(1, "What is $7 \\times 8$?", "56", "7 times 8 is 56."),
        openr1_row(2, "求 $1+2+\\cdots+10$ 的值。", "55", "等差数列求和：10·11/2 = 55。"),
        openr1_row(3, "Find the remainder of $2^{10}$ divided by 7.", "2", "2^3 = 8 ≡ 1, so "
                   "2^10 = 2^9 · 2 ≡ 2."),
        openr1_row(4, "Emoji count 🧮: how many sides has a hexagon?", "6", "A hexagon has 6."),
    ]
    write(pa.Table.from_pylist(rows[:3], schema=OPENR1_SCHEMA),
          "openr1_math/data/train-00000-of-00002.parquet")
    write(pa.Table.from_pylist(rows[3:], schema=OPENR1_SCHEMA),
          "openr1_math/data/train-00001-of-00002.parquet", compression="zstd")


def types():
    keys = pa.array(["a", "b", "a"]).dictionary_encode()
    table = pa.table({
        "int8": pa.array([-8, 0, 127], type=pa.int8()),
        "uint32": pa.array([0, 4000000000, 7], type=pa.uint32()),
        "float32": pa.array([0.5, -1.25, None], type=pa.float32()),
        "float64": pa.array([3.141592653589793, 1e-300, -0.0], type=pa.float64()),
        "large_text": pa.array(["x", "ÿ€𝄞", ""], type=pa.large_string()),
        "dictionary": keys,
        "large_list": pa.array([[1, 2], [], None], type=pa.large_list(pa.int32())),
        "fixed_list": pa.array([[1, 2], [3, 4], [5, 6]], type=pa.list_(pa.int16(), 2)),
        "string_map": pa.array([[("k", 1)], [], [("x", 2), ("y", 3)]],
                               type=pa.map_(pa.string(), pa.int64())),
        "nested": pa.array([{"a": [{"b": "c"}]}, {"a": None}, None],
                           type=pa.struct([("a", pa.list_(pa.struct([("b", pa.string())])))])),
        "all_null": pa.array([None, None, None], type=pa.null()),
    })
    write(table, "types/types.parquet")
    # A column r1forge refuses (binary, e.g. an image's bytes), for the error-path test; no
    # expected rows, the reader must fail naming the column.
    path = os.path.join(OUT, "types", "binary.parquet")
    pq.write_table(pa.table({"text": ["a"], "image": pa.array([b"\x89PNG"], type=pa.binary())}),
                   path)


if __name__ == "__main__":
    gsm8k()
    math500()
    openr1()
    types()
    print(f"wrote Parquet fixtures under {OUT}")
