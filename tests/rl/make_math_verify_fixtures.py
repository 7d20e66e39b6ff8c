#!/usr/bin/env python3
"""math-verify oracle fixture for r1forge's `accuracy` reward (tests/rl/test_reward_accuracy_mv.cpp).

Builds (completion, gold) pairs -- hand-written edge cases plus generated variants: equivalent
forms of one value (0.5, 1/2, \\frac{1}{2}, 50\\%), thousands separators, Unicode minus, units,
boxed vs answer tags vs "final answer is $x$", and wrong answers near the right one -- and records
the verdict of TRL's own `accuracy_reward` (trl.rewards, which calls math_verify.parse(gold) and
parse(completion, LatexExtractionConfig(units=True, boxed_match_priority=0,
try_extract_without_anchor=False), extraction_mode="first_match") and verify) into
tests/golden/rewards/math_verify_pairs.json.

TRL's extraction reads LaTeX only, so a plain "<answer>42</answer>" or "#### 42" scores 0 there.
r1forge's default reads those too; for such pairs the fixture also holds a "twin" completion
with the same answer written as LaTeX ($42$) and TRL's verdict on it, which is what r1forge's
default mode must agree with. Its `require_latex: true` mode must agree with the plain verdict.

Usage: make_math_verify_fixtures.py [--check] [--out FILE]  (--check: compare with the committed
file and exit 1 if math-verify now says something else)
"""
import argparse
import importlib.metadata
import json
import logging
import pathlib
import random
import sys
import threading
from fractions import Fraction

import trl
from trl.rewards import accuracy_reward

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "golden" / "rewards" / "math_verify_pairs.json"

THINK = "<think>\nLet me work it out step by step. First I simplify, then I check.\n</think>\n"

# ---- completion templates -------------------------------------------------------------------
# Each returns (completion, twin or None); the twin writes a plain answer as LaTeX.


def boxed(x):
    return f"We simplify and get the result.\nThe answer is \\boxed{{{x}}}.", None


def tag_latex(x):
    return f"{THINK}<answer>${x}$</answer>", None


def tag_boxed(x):
    return f"{THINK}<answer>\\boxed{{{x}}}</answer>", None


def final_phrase(x):
    return f"Adding the parts gives the total. The final answer is ${x}$.", None


def tag_plain(x):
    return f"{THINK}<answer>{x}</answer>", f"{THINK}<answer>${x}$</answer>"


def gsm8k_plain(x):
    body = "She buys 3 packs and then 4 more.\n"
    return f"{body}#### {x}", f"{body}The answer is ${x}$"


TEMPLATES = [boxed, tag_latex, tag_boxed, final_phrase]
PLAIN_TEMPLATES = [tag_plain, gsm8k_plain]

# ---- values written several equivalent ways -------------------------------------------------
# (gold forms, equivalent prediction forms, near misses). Gold forms are how datasets write
# answers: a bare number, a MATH solution ending in \boxed{}, or a GSM8K solution "#### n".
GROUPS = [
    (["\\frac{1}{2}", "0.5"],
     ["\\frac{1}{2}", "0.5", "\\dfrac{1}{2}", "\\tfrac{1}{2}", "1/2", ".5", "\\frac{2}{4}", "0.50",
      "50\\%", "2^{-1}"],
     ["\\frac{1}{3}", "0.55", "-\\frac{1}{2}", "2", "0.05", "\\frac{2}{1}"]),
    (["1000", "1,000"],
     ["1000", "1,000", "1{,}000", "1000.0", "10^3", "\\$1,000", "1000\\text{ dollars}"],
     ["100", "10000", "1001", "999", "1,001", "1\\,000"]),
    (["-3"],
     ["-3", "\u22123", "- 3", "-3.0", "\\left(-3\\right)", "(-3)"],
     ["3", "-2", "-\\frac{1}{3}", "-30"]),
    (["\\frac{3}{4}", "0.75"],
     ["\\frac{3}{4}", "0.75", "3/4", "\\dfrac{3}{4}", "75\\%", "\\frac{6}{8}"],
     ["\\frac{4}{3}", "0.7", "0.57", "7.5"]),
    (["72"],
     ["72", "72.0", "72.00", "\\$72", "72\\text{ cm}", "72 \\text{ apples}", "072", "+72"],
     ["72.01", "27", "7.2", "-72", "720", "71"]),
    (["\\frac{1}{3}"],
     ["\\frac{1}{3}", "0.333333", "1/3", "\\dfrac{1}{3}", "\\frac{2}{6}", "0.3333333"],
     ["0.33", "0.3333", "\\frac{1}{4}", "3"]),
    (["2\\sqrt{2}"],
     ["2\\sqrt{2}", "\\sqrt{8}", "2.828427", "\\frac{4}{\\sqrt{2}}", "\\sqrt{2} \\cdot 2"],
     ["2.83", "\\sqrt{2}", "4", "2\\sqrt{3}"]),
    (["\\frac{7}{2}", "3.5"],
     ["3\\frac{1}{2}", "\\frac{7}{2}", "3.5", "7/2", "\\dfrac{7}{2}"],
     ["\\frac{2}{7}", "3.25", "\\frac{5}{2}", "35"]),
    (["\\frac{\\pi}{2}"],
     ["\\frac{\\pi}{2}", "\\pi/2", "1.570796", "\\frac{1}{2}\\pi", "0.5\\pi"],
     ["\\pi", "1.57", "\\frac{\\pi}{3}", "2\\pi"]),
    (["1024"],
     ["2^{10}", "1024", "1,024", "4^5", "1024.0"],
     ["2^{11}", "1023", "2^9", "10.24"]),
    (["0.05"],
     ["5\\%", "0.05", "\\frac{1}{20}", "5 \\%"],
     ["0.5", "50\\%", "\\frac{1}{5}"]),
    (["12345678901234567890"],
     ["12345678901234567890", "12,345,678,901,234,567,890"],
     ["12345678901234567891", "1234567890123456789"]),
    (["120"],
     ["5!", "120", "\\frac{240}{2}", "120.0"],
     ["4!", "121", "12"]),
    (["x+1"],
     ["x+1", "1+x", "\\frac{2x+2}{2}", "(x+1)"],
     ["x-1", "x", "2x+1", "y+1"]),
    (["2x"],
     ["2x", "x \\cdot 2", "2 \\cdot x", "x+x", "\\frac{4x}{2}"],
     ["x^2", "2y", "3x", "x/2"]),
    (["(1, 2)"],
     ["(1, 2)", "\\left(1, 2\\right)", "(1,2)"],
     ["(2, 1)", "[1, 2]", "(1, 3)"]),
    (["\\{1, 2\\}"],
     ["\\{1, 2\\}", "\\{2, 1\\}", "1, 2", "2, 1"],
     ["\\{1, 3\\}", "\\{1, 2, 3\\}", "1"]),
    (["\\sqrt{3}"],
     ["\\sqrt{3}", "3^{1/2}", "1.732051", "\\frac{3}{\\sqrt{3}}"],
     ["1.73", "3", "\\sqrt{2}", "\\frac{\\sqrt{3}}{2}"]),
    (["100"],
     ["100", "10^2", "100.0", "\\$100", "\\frac{300}{3}", "100 \\text{ cm}"],
     ["1000", "10", "101", "99.9"]),
    (["\\frac{-1}{2}", "-0.5"],
     ["-\\frac{1}{2}", "\\frac{-1}{2}", "\\frac{1}{-2}", "-0.5", "-1/2", "\u22120.5"],
     ["\\frac{1}{2}", "0.5", "-2", "-0.05"]),
    (["\\infty"],
     ["\\infty", "+\\infty"],
     ["-\\infty", "0", "1000000"]),
    (["\\text{Paris}"],
     ["\\text{Paris}", "\\text{paris}", "\\text{ Paris }"],
     ["\\text{Lyon}", "\\text{Pari}"]),
    (["30"],
     ["30", "30^\\circ", "30^{\\circ}", "30.0", "\\frac{60}{2}"],
     ["60", "3", "30.5", "-30"]),
]


def gold_variants(value):
    """How a dataset may hold this gold answer (bare, MATH solution, GSM8K solution)."""
    out = []
    # Bare answers that math-verify parses as written (numbers, \frac of numbers).
    simple = value.replace(",", "").lstrip("-").replace(".", "", 1).isdigit() or (
        value.startswith("\\frac{") and "\\pi" not in value and "x" not in value)
    if simple:
        out.append(value)
    out.append(f"Combining the two cases, the result is $\\boxed{{{value}}}$.")
    if value.replace(",", "").lstrip("-").isdigit():
        out.append(f"First 48/2 = <<48/2=24>>24, then 24 + 48 = <<24+48=72>>72.\n#### {value}")
    return out


def generated_pairs():
    pairs = []
    k = 0
    for gold_forms, equivalent, near in GROUPS:
        golds = []
        for form in gold_forms:
            golds.extend(gold_variants(form))
        for i, pred in enumerate(equivalent + near):
            gold = golds[i % len(golds)]
            templates = TEMPLATES + PLAIN_TEMPLATES if i % 3 == 0 else TEMPLATES
            template = templates[k % len(templates)]
            k += 1
            completion, twin = template(pred)
            kind = "equivalent" if i < len(equivalent) else "near_miss"
            pairs.append({"completion": completion, "gold": gold, "twin": twin,
                          "note": f"{kind} {template.__name__}"})
            # Each equivalent form also once more, boxed, against a second gold variant.
            if i < len(equivalent) and len(golds) > 1:
                completion, twin = boxed(pred)
                pairs.append({"completion": completion, "gold": golds[(i + 1) % len(golds)],
                              "twin": None, "note": f"{kind} boxed"})
    return pairs


# ---- seeded random numbers ------------------------------------------------------------------
def thousands(n):
    return f"{n:,}"


def random_pairs(count=130, seed=20250):
    """Random integers, decimals, fractions and percentages in random renderings and templates,
    half of them perturbed (off by one, sign, a factor of ten, rounding, reciprocal)."""
    rng = random.Random(seed)
    pairs = []
    for i in range(count):
        kind = rng.choice(["int", "int", "decimal", "fraction", "percent"])
        if kind == "int":
            n = rng.choice([rng.randint(0, 99), rng.randint(100, 99999), rng.randint(10**5, 10**9)])
            if rng.random() < 0.25:
                n = -n
            value = Fraction(n)
            gold = rng.choice([str(n), f"So the total is {n}.\n#### {n}",
                               f"Hence $\\boxed{{{n}}}$."])
            forms = [str(n), thousands(n), f"{n}.0", f"\\${n}" if n >= 0 else str(n),
                     f"{n}\\text{{ cm}}", str(n).replace("-", "\u2212"), f"\\frac{{{2 * n}}}{{2}}"]
        elif kind == "decimal":
            places = rng.randint(1, 3)
            n = rng.randint(1, 10**4)
            value = Fraction(n, 10**places)
            text = f"{float(value):.{places}f}"
            gold = rng.choice([text, f"We get $\\boxed{{{text}}}$."])
            forms = [text, text + "0", f"\\frac{{{value.numerator}}}{{{value.denominator}}}"]
            if text.startswith("0."):
                forms.append(text[1:])
        elif kind == "fraction":
            q = rng.choice([3, 4, 5, 6, 7, 8, 9, 11, 12])
            pnum = rng.randint(1, 3 * q)
            value = Fraction(pnum, q)
            gold = rng.choice([f"\\frac{{{pnum}}}{{{q}}}", f"Thus $\\boxed{{\\frac{{{pnum}}}{{{q}}}}}$."])
            k = rng.randint(2, 4)
            forms = [f"\\frac{{{pnum}}}{{{q}}}", f"\\dfrac{{{pnum}}}{{{q}}}", f"{pnum}/{q}",
                     f"\\frac{{{k * pnum}}}{{{k * q}}}", f"{float(value):.6f}"]
        else:
            pct = rng.choice([5, 10, 12, 20, 25, 40, 50, 75, 80, 125])
            value = Fraction(pct, 100)
            gold = rng.choice([f"{pct}%", f"{float(value):g}", f"The rate is $\\boxed{{{pct}\\%}}$."])
            forms = [f"{pct}\\%", f"{float(value):g}", f"\\frac{{{pct}}}{{100}}", f"{pct} \\%"]
        pred = rng.choice(forms)
        note = "random equivalent"
        if rng.random() < 0.5:
            note = "random near miss"
            wrong = rng.choice([value + 1, value - 1, -value if value != 0 else Fraction(1),
                                value * 10, value / 10 if value != 0 else Fraction(2),
                                1 / value if value not in (0, 1, -1) else Fraction(3)])
            if wrong.denominator == 1:
                pred = str(wrong.numerator)
            elif rng.random() < 0.5:
                pred = f"\\frac{{{wrong.numerator}}}{{{wrong.denominator}}}"
            else:
                pred = f"{float(wrong):.4f}"
        template = rng.choice(TEMPLATES + PLAIN_TEMPLATES)
        completion, twin = template(pred)
        pairs.append({"completion": completion, "gold": gold, "twin": twin,
                      "note": f"{note} {template.__name__}"})
    return pairs


# ---- hand-written cases ---------------------------------------------------------------------
def handwritten_pairs():
    cases = [
        # (completion, gold, note)
        ("\\boxed{42}", "42", "boxed"),
        ("<think>maybe 40</think>\n<answer>$42$</answer>", "42", "answer tag, think has a number"),
        ("<think>so 5</think><answer>$5$</answer> then <answer>$6$</answer>", "6", "last answer tag"),
        ("<think>so 5</think><answer>$5$</answer> then <answer>$6$</answer>", "5", "last answer tag wrong"),
        ("First \\boxed{3}, but wait, that is wrong. Final: \\boxed{4}", "4", "last boxed"),
        ("First \\boxed{3}, but wait, that is wrong. Final: \\boxed{4}", "3", "last boxed, earlier one ignored"),
        ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{\\sqrt{2}}{2}", "nested braces"),
        ("The answer is \\boxed{\\frac{\\frac{1}{2}}{2}}", "0.25", "nested fraction"),
        ("\\boxed{{5}}", "5", "doubled braces"),
        ("\\fbox{7}", "7", "fbox"),
        ("\\boxed{1} and \\boxed{2}", "$\\boxed{1, 2}$", "two boxes form a list"),
        ("", "5", "empty completion"),
        ("I cannot solve this.", "5", "no answer"),
        ("<answer></answer>", "5", "empty answer tag"),
        ("\\boxed{}", "5", "empty box"),
        ("The answer is \\boxed{5", "5", "unbalanced box"),
        ("所以答案是 \\boxed{5}。", "5", "Chinese text around the box"),
        ("Ответ: \\boxed{-7}", "-7", "Russian text"),
        ("\\boxed{\u22127}", "-7", "Unicode minus"),
        ("\\boxed{5}", "", "empty gold -> none"),
        ("\\boxed{5}", "   ", "blank gold -> none"),
        ("\\boxed{5}", "$\\boxed{}$", "empty boxed gold -> none"),
        ("\\boxed{99999999999999999999999999999999999999999}",
         "99999999999999999999999999999999999999999", "huge integer"),
        ("\\boxed{99999999999999999999999999999999999999998}",
         "99999999999999999999999999999999999999999", "huge integer off by one"),
        ("\\boxed{10^{20}}", "100000000000000000000", "power vs 21 digits"),
        ("\\boxed{0.1+0.2}", "0.3", "float sum"),
        ("\\boxed{\\sqrt[3]{8}}", "2", "cube root"),
        ("\\boxed{\\frac{1}{0}}", "1", "division by zero"),
        ("\\boxed{1,2345}", "12345", "not a thousands separator"),
        ("\\boxed{12,345}", "12345", "thousands separator"),
        ("\\boxed{1\\,000}", "1000", "thin space is no separator in math-verify"),
        ("\\boxed{x=5}", "5", "assignment vs value"),
        ("\\boxed{5}", "$x=5$", "value vs assignment gold"),
        ("\\boxed{x=2, y=3}", "$\\boxed{(2,3)}$", "assignments vs tuple"),
        ("\\boxed{[1, 2)}", "$\\boxed{(1, 2)}$", "half-open vs open interval"),
        ("\\boxed{(1,3,2)}", "$\\boxed{(1,2,3)}$", "tuple order matters"),
        ("\\boxed{\\{3, 4\\}}", "$\\boxed{(3, 4)}$", "set vs pair"),
        ("\\boxed{x^2+2x+1}", "$\\boxed{(x+1)^2}$", "expanded square"),
        ("\\boxed{a+b}", "$\\boxed{b+a}$", "commuted sum"),
        ("\\boxed{xy}", "$\\boxed{yx}$", "commuted product of letters"),
        ("\\boxed{\\sin(x)}", "$\\boxed{\\sin x}$", "function argument with and without parens"),
        ("\\boxed{\\ln 2}", "$\\boxed{\\log 2}$", "ln is not log10"),
        ("\\boxed{e}", "$\\boxed{e}$", "Euler's number"),
        ("\\boxed{\\pi}", "3.14159", "pi vs a 5-decimal float"),
        ("\\boxed{3.14}", "$\\boxed{\\pi}$", "3.14 vs pi"),
        ("\\boxed{\\text{(B)}}", "$\\boxed{B}$", "choice in text and parens"),
        ("\\boxed{X}", "$\\boxed{x}$", "letter case"),
        ("\\boxed{\\text{New York}}", "$\\boxed{\\text{NewYork}}$", "text ignores spaces"),
        ("\\boxed{50\\%}", "50", "percent vs the bare number"),
        ("\\boxed{50\\%}", "0.5", "percent vs the fraction"),
        ("\\boxed{12.5\\%}", "12.5", "decimal percent vs the bare number"),
        ("\\boxed{12.5\\%}", "0.125", "decimal percent vs the fraction"),
        ("\\boxed{50}", "50%", "bare number vs percent gold"),
        ("\\boxed{0.5}", "50%", "fraction vs percent gold"),
        ("\\boxed{5\\%}", "$\\boxed{5}$", "percent vs integer"),
        ("The answer is $50$\\%.", "0.5", "percent sign after the math"),
        ("\\boxed{0012}", "12", "leading zeros"),
        ("\\boxed{+3}", "3", "explicit plus"),
        ("\\boxed{--3}", "3", "double minus"),
        ("\\boxed{1.5}", "3/2", "decimal vs slash fraction gold"),
        ("\\boxed{1000000.1}", "1000000.2", "large decimals differ"),
        ("\\boxed{3.000001}", "3", "differs in the 6th decimal"),
        ("\\boxed{5\\text{ cm}^2}", "5", "unit with exponent"),
        ("\\boxed{20 \\text{ minutes}}", "20", "unit in text"),
        ("\\boxed{5 \\mathrm{cm}}", "5", "unit in mathrm"),
        ("\\boxed{\\$1,250}", "1250", "dollar sign and separator"),
        ("The answer is $\\frac{1}{2}$.", "0.5", "answer phrase with LaTeX"),
        ("Final answer: $42$", "42", "answer colon with LaTeX"),
        ("So the answer is $\\frac{1}{2}$ and not $\\frac{1}{3}$", "0.5", "first LaTeX after the anchor"),
        ("$\\frac{1}{2}$", "0.5", "LaTeX without an anchor is not an answer"),
        ("<answer>\\frac{1}{2}</answer>", "0.5", "bare fraction in tags"),
        ("<think>x</think> <answer> \\boxed{\\frac{3}{4}} </answer>", "0.75", "boxed inside tags"),
        ("The final answer is $72$",
         "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72.\n#### 72",
         "GSM8K gold solution"),
        ("The final answer is $71$",
         "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72.\n#### 72",
         "GSM8K gold solution, wrong"),
        ("\\boxed{\\frac{14}{3}}",
         "We find $x = \\frac{14}{3}$, so the answer is $\\boxed{\\frac{14}{3}}$.", "MATH gold solution"),
        ("\\boxed{\\dfrac{14}{3}}",
         "We find $x = \\frac{14}{3}$, so the answer is $\\boxed{\\frac{14}{3}}$.", "MATH gold, dfrac"),
        ("\\boxed{4.666667}",
         "We find $x = \\frac{14}{3}$, so the answer is $\\boxed{\\frac{14}{3}}$.", "MATH gold, decimal"),
        ("\\boxed{4.67}",
         "We find $x = \\frac{14}{3}$, so the answer is $\\boxed{\\frac{14}{3}}$.", "MATH gold, rounded"),
        ("\\boxed{\\left[ 0, 1 \\right]}", "$\\boxed{[0,1]}$", "left/right brackets"),
        ("\\boxed{\\displaystyle \\frac{1}{2}}", "0.5", "displaystyle"),
        ("\\[ \\boxed{9} \\]", "9", "display math"),
        ("$$\\boxed{9}$$", "9", "display dollars"),
        ("\\boxed{9} \\quad \\text{(checked)}", "9", "text after the box"),
        ("<answer>$3\\frac{1}{2}$</answer>", "3.5", "mixed number"),
        ("\\boxed{-\\frac{1}{2}}", "0.5", "sign matters"),
        ("\\boxed{2\\sqrt{3}}", "$\\boxed{\\sqrt{12}}$", "radicals"),
        ("\\boxed{\\sqrt{12}}", "$\\boxed{3.464102}$", "radical vs float gold"),
        ("\\boxed{-\\infty}", "$\\boxed{-\\infty}$", "minus infinity"),
        ("\\boxed{x_1}", "$\\boxed{x_1}$", "subscript variable"),
        ("\\boxed{\\alpha}", "$\\boxed{\\alpha}$", "greek letter"),
        ("\\boxed{\\alpha}", "$\\boxed{\\beta}$", "different greek letters"),
        ("\\boxed{3 \\frac{3}{4}}", "3.75", "mixed number with a space"),
        ("\\boxed{2\\frac{1}{2}x}", "$\\boxed{5x/2}$", "number, fraction, variable: a product"),
        ("\\boxed{-2\\frac{1}{2}}", "-2.5", "negative mixed number"),
        ("\\boxed{x \\in [0, 1]}", "$\\boxed{[0,1]}$", "membership in an interval"),
        ("\\boxed{x = (1, 2)}", "$\\boxed{(1,2)}$", "assignment of a pair"),
        ("**Final Answer**\n\\[\n\\boxed{18}\n\\]", "18", "markdown heading and display box"),
        ("<think>\nok\n</think>\n<answer>\nThe answer is $18$.\n</answer>", "18",
         "phrase inside answer tags"),
        ("\\boxed{10^{-3}}", "0.001", "negative power"),
        ("\\boxed{3x+2y}", "$\\boxed{2y+3x}$", "two variables"),
        ("\\boxed{\\frac{\\sqrt{3}}{3}}", "$\\boxed{\\frac{1}{\\sqrt{3}}}$", "rationalized"),
        ("\\boxed{0.6667}", "$\\boxed{\\frac{2}{3}}$", "4-decimal rounding is not enough"),
    ]
    return [{"completion": c, "gold": g, "twin": None, "note": n} for c, g, n in cases]


def plain_pairs():
    """Plain answers in tags or after ####: TRL scores them 0 (LaTeX only), r1forge reads them."""
    cases = [
        ("42", "42"), ("41", "42"), ("1,000", "1000"), ("1/2", "0.5"), ("-3", "-3"),
        ("0.75", "\\frac{3}{4}"), ("72", "#### 72"), ("73", "#### 72"), ("\\frac{1}{2}", "0.5"),
        ("12", "12.0"), ("7", "$\\boxed{7}$"), ("3.5", "$\\boxed{\\frac{7}{2}}$"),
    ]
    pairs = []
    for i, (answer, gold) in enumerate(cases):
        template = PLAIN_TEMPLATES[i % 2]
        completion, twin = template(answer)
        pairs.append({"completion": completion, "gold": gold, "twin": twin,
                      "note": f"plain {template.__name__}"})
    return pairs


def trl_verdict(completion, gold):
    """TRL's accuracy_reward on one pair, run off the main thread: there TRL gives math-verify
    no timeouts (in the main thread it sets 10 s / 5 s alarms, and on a loaded machine a slow
    sympy simplification then times out into a 0), so the verdict is the same on any machine."""
    verdict = []
    worker = threading.Thread(target=lambda: verdict.append(
        accuracy_reward([[{"role": "assistant", "content": completion}]], [gold])[0]))
    worker.start()
    worker.join()
    return verdict[0]


def build_pairs():
    """The pairs before labelling, duplicates included (the everyday set leaves these out)."""
    return handwritten_pairs() + plain_pairs() + generated_pairs() + random_pairs()


def label(pair):
    """The fixture entry for one pair: TRL's verdict on it (and on its twin, if any)."""
    entry = {"completion": pair["completion"], "gold": pair["gold"],
             "math_verify": trl_verdict(pair["completion"], pair["gold"])}
    if pair["twin"] is not None:
        entry["twin"] = pair["twin"]
        entry["math_verify_twin"] = trl_verdict(pair["twin"], pair["gold"])
    entry["note"] = pair["note"]
    return entry


def build():
    logging.disable(logging.WARNING)
    seen = set()
    out = []
    for pair in build_pairs():
        key = (pair["completion"], pair["gold"])
        if key in seen:
            continue
        seen.add(key)
        out.append(label(pair))
    return {"generator": "tests/rl/make_math_verify_fixtures.py",
            "oracle": f"trl {trl.__version__} accuracy_reward, "
                      f"math-verify {importlib.metadata.version('math-verify')}",
            "pairs": out}


def write_or_check(build_fixture, default_out, doc):
    """The command line shared by the fixture generators: write the fixture, or with --check
    compare it with the committed file and return 1 if math-verify now says something else."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", type=pathlib.Path, default=default_out)
    args = parser.parse_args()
    fixture = build_fixture()
    text = json.dumps(fixture, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        committed = json.loads(args.out.read_text(encoding="utf-8"))
        fresh = json.loads(text)
        if committed["pairs"] != fresh["pairs"]:
            old = {(p["completion"], p["gold"]): p for p in committed["pairs"]}
            for p in fresh["pairs"]:
                q = old.get((p["completion"], p["gold"]))
                if q != p:
                    print(f"differs: {json.dumps(p, ensure_ascii=False)}\n   was: {json.dumps(q, ensure_ascii=False)}")
            print(f"{args.out} is stale: rerun {fixture['generator']} without --check")
            return 1
        print(f"{args.out}: {len(fresh['pairs'])} pairs match {fresh['oracle']}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(fixture['pairs'])} pairs to {args.out}")
    return 0


def main():
    return write_or_check(build, DEFAULT_OUT, __doc__)


if __name__ == "__main__":
    sys.exit(main())
