#!/usr/bin/env python3
r"""Everyday-answer math-verify fixture for r1forge's `accuracy` reward (issue "[order 6]" s.4).

A second agreement set beside make_math_verify_fixtures.py: (completion, gold) pairs written the
way MATH and GSM8K answers and model outputs look -- \pm, binomials, one-element sets, implicit
products of letters, powers of trig functions, logarithm bases, percentages against fractions,
degrees, units and text, thousands separators, mixed numbers, scientific notation, matrices and
vectors, equations, several answers, intervals, and GSM8K "#### n" solutions -- each equivalent
forms and near misses. The pairs were written from how datasets and models write answers, not
from r1forge's parser. Each is labelled, like the first set, by TRL's own `accuracy_reward`
(math_verify.parse(gold) and the LaTeX-only parse of the completion, then verify); plain answers
("<answer>42</answer>", "#### 42") carry a LaTeX twin and its verdict. Pairs already in the first
set are left out. The note is "<category> <expected> <template>", where <expected> is what a
careful human grader would say (equal / differ); math-verify's verdict is the label.

Usage: make_math_verify_everyday_fixtures.py [--check] [--out FILE]
"""
import argparse
import importlib.metadata
import json
import logging
import pathlib
import re
import sys

import trl

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_math_verify_fixtures as base  # noqa: E402  (templates, trl_verdict, first set)

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "golden" / "rewards" / "math_verify_everyday_pairs.json"


# ---- how models end an answer (besides the first set's templates) ----------------------------
def qwen_final(x):
    return ("Putting everything together, we are done.\n\n**Final Answer**\n\\[\n\\boxed{"
            f"{x}" "}\n\\]"), None


def llama_final(x):
    return f"Therefore, the final answer is: $\\boxed{{{x}}}$. I hope it is correct.", None


def answer_is_display(x):
    return f"{base.THINK}<answer>\nThe answer is \\[ {x} \\]\n</answer>", None


LATEX_TEMPLATES = [base.boxed, qwen_final, base.tag_boxed, llama_final, base.final_phrase,
                   base.tag_latex, answer_is_display]


# ---- how datasets hold the gold answer -------------------------------------------------------
def math_solution(g):
    return f"Checking both cases, we conclude that the answer is $\\boxed{{{g}}}$."


def math_solution_display(g):
    return f"Hence\n\\[\n\\boxed{{{g}}}.\n\\]"


def gsm8k_solution(g):
    return (f"She earns 12 * 3 = <<12*3=36>>36 dollars and spends 36 / 2 = <<36/2=18>>18.\n"
            f"#### {g}")


# ---- the cases: (gold answer, equivalent predictions, non-equivalent predictions) -------------
# A gold marked "#" is a GSM8K number (held as "... #### n" and as the bare number); others are
# held as a MATH solution ending in \boxed{gold} (and, for plain numbers, also bare).
CASES = {
    "plus_minus": [
        ("\\pm 3", ["\\pm 3", "\\pm3", "3, -3", "-3, 3", "\\pm \\sqrt{9}", "x = \\pm 3"],
         ["3", "-3", "\\pm 2", "\\mp 4"]),
        ("1 \\pm \\sqrt{2}", ["1 \\pm \\sqrt{2}", "1+\\sqrt{2}, 1-\\sqrt{2}",
                              "1-\\sqrt{2}, 1+\\sqrt{2}", "1\\pm\\sqrt2"],
         ["1+\\sqrt{2}", "\\sqrt{2} \\pm 1", "1 \\pm \\sqrt{3}"]),
        ("\\frac{-3 \\pm \\sqrt{5}}{2}",
         ["\\frac{-3+\\sqrt{5}}{2}, \\frac{-3-\\sqrt{5}}{2}", "\\dfrac{-3 \\pm \\sqrt{5}}{2}",
          "-\\frac{3}{2} \\pm \\frac{\\sqrt{5}}{2}"],
         ["\\frac{3 \\pm \\sqrt{5}}{2}", "\\frac{-3+\\sqrt{5}}{2}", "-3 \\pm \\sqrt{5}"]),
        ("-2, 2", ["\\pm 2", "2, -2", "\\pm2"], ["2", "-2", "\\pm 4"]),
        ("\\pm \\frac{1}{2}", ["\\pm 0.5", "\\frac{1}{2}, -\\frac{1}{2}", "\\pm\\dfrac12"],
         ["\\frac{1}{2}", "\\pm 2"]),
        ("2 \\pm 3i", ["2+3i, 2-3i", "2 \\pm 3i"], ["2+3i", "3 \\pm 2i"]),
    ],
    "binomial": [
        ("10", ["\\binom{5}{2}", "\\dbinom{5}{2}", "{5 \\choose 2}", "\\tbinom{5}{2}",
                "\\binom{5}{3}", "\\binom52"],
         ["\\binom{6}{2}", "\\binom{5}{1}", "{5 \\choose 3} + 1"]),
        ("56", ["\\binom{8}{3}", "{8 \\choose 5}", "\\dbinom{8}{5}"],
         ["\\binom{8}{2}", "\\binom{7}{3}"]),
        ("\\dbinom{10}{4}", ["210", "\\binom{10}{6}", "{10 \\choose 4}", "\\binom{10}{4}"],
         ["\\binom{10}{3}", "200"]),
        ("\\frac{3}{14}", ["\\frac{\\binom{4}{2}}{\\binom{8}{2}}", "\\dfrac{6}{28}"],
         ["\\frac{\\binom{4}{2}}{\\binom{8}{3}}", "\\frac{1}{7}"]),
        ("\\binom{n}{2}", ["\\frac{n(n-1)}{2}", "{n \\choose 2}", "\\dbinom{n}{2}"],
         ["\\binom{n}{3}", "\\frac{n(n+1)}{2}"]),
        ("#252", ["\\binom{10}{5}", "\\dbinom{10}{5}"], ["\\binom{10}{4}"]),
    ],
    "singleton_set": [
        ("\\{3\\}", ["3", "\\{3\\}", "\\{ 3 \\}", "x=3"], ["\\{4\\}", "4", "\\{3, 4\\}"]),
        ("3", ["\\{3\\}", "\\left\\{3\\right\\}"], ["\\{-3\\}", "\\{3, -3\\}"]),
        ("\\{-1\\}", ["-1", "\\{-1\\}"], ["\\{1\\}", "1"]),
        ("\\left\\{ \\frac{1}{2} \\right\\}", ["\\frac{1}{2}", "\\{0.5\\}", "\\{\\tfrac12\\}"],
         ["\\{2\\}", "\\{\\frac{1}{2}, 2\\}"]),
        ("\\{1, 2\\}", ["\\{1,2\\}", "\\{2,1\\}"], ["\\{1\\}", "\\{2\\}", "\\{1, 2, 2.5\\}"]),
        ("\\emptyset", ["\\emptyset", "\\varnothing", "\\{\\}"], ["\\{0\\}", "0"]),
    ],
    "implicit_product": [
        ("2ab", ["2ba", "2 a b", "2 \\cdot a \\cdot b", "a \\cdot 2b", "2 \\times a \\times b",
                 "ba2"],
         ["ab", "2a+b", "2a^2b", "2ab^2", "a2b+1"]),
        ("ab", ["ba", "a*b", "a \\times b", "a \\cdot b", "(a)(b)"], ["a+b", "a^2b", "2ab"]),
        ("6xy", ["6yx", "3 \\cdot 2xy", "x \\cdot 6y", "6 y x"], ["6x", "6xy^2", "6x+y"]),
        ("x^2y", ["yx^2", "x \\cdot x \\cdot y", "x^{2}y", "y x^2"], ["xy^2", "x^2+y", "2xy"]),
        ("abc", ["cba", "bac", "a \\cdot b \\cdot c"], ["ab", "a+b+c", "abc^2"]),
        ("\\pi r^2", ["r^2\\pi", "\\pi r r", "\\pi \\cdot r^2"], ["2\\pi r", "\\pi r"]),
        ("2\\pi rh", ["2\\pi hr", "2 r h \\pi", "2\\pi r h"], ["\\pi rh", "2\\pi r^2h"]),
        ("(x-2)(x+3)", ["(x+3)(x-2)", "x^2+x-6", "(x + 3)(x - 2)"],
         ["(x+2)(x-3)", "x^2-x-6"]),
        ("\\frac{ab}{c}", ["\\frac{ba}{c}", "\\frac{a b}{c}", "ab/c", "\\frac{a}{c} b"],
         ["\\frac{a}{bc}", "\\frac{c}{ab}"]),
        ("mn", ["nm", "m n", "m \\cdot n"], ["m+n", "m^2n"]),
        ("4xy^3", ["4y^3x", "2xy^3 \\cdot 2", "4 x y^{3}"], ["4x^3y", "4xy^2"]),
        ("a^2 - b^2", ["(a-b)(a+b)", "(a+b)(a-b)", "-b^2+a^2"], ["(a-b)^2", "a^2+b^2"]),
    ],
    "trig_power": [
        ("\\sin^2 x", ["(\\sin x)^2", "\\sin^{2}x", "\\sin^2(x)", "1-\\cos^2 x",
                       "\\left(\\sin x\\right)^2", "\\sin x \\sin x"],
         ["2\\sin x", "\\sin 2x", "\\cos^2 x"]),
        ("\\cos^2 \\theta", ["(\\cos\\theta)^2", "\\cos^{2}(\\theta)", "1 - \\sin^2 \\theta"],
         ["\\cos 2\\theta", "\\sin^2\\theta", "2\\cos\\theta"]),
        ("1", ["\\sin^2 x + \\cos^2 x", "\\cos^2 x + \\sin^2 x", "\\sec^2 x - \\tan^2 x"],
         ["\\sin^2 x - \\cos^2 x", "\\sin x + \\cos x"]),
        ("\\tan^2 x", ["\\sec^2 x - 1", "\\frac{\\sin^2 x}{\\cos^2 x}", "(\\tan x)^2"],
         ["\\tan 2x", "\\sec^2 x + 1"]),
        ("\\frac{\\sqrt{3}}{2}", ["\\sin 60^\\circ", "\\cos \\frac{\\pi}{6}", "\\sin \\frac{\\pi}{3}",
                                  "\\sin(60^{\\circ})"],
         ["\\cos \\frac{\\pi}{3}", "\\sin 30^\\circ", "\\tan \\frac{\\pi}{3}"]),
        ("\\sin 2x", ["2\\sin x \\cos x", "2 \\cos x \\sin x"], ["\\sin x \\cos x", "2\\sin x"]),
        ("\\frac{3}{4}", ["\\sin^2 60^\\circ", "\\cos^2 30^\\circ"],
         ["\\sin^2 30^\\circ", "\\sin 60^\\circ"]),
        ("\\sec^2 \\theta", ["\\frac{1}{\\cos^2\\theta}", "1+\\tan^2\\theta"],
         ["\\csc^2\\theta", "\\frac{1}{\\cos\\theta}"]),
        ("2\\cos^2 x - 1", ["\\cos 2x", "\\cos^2 x - \\sin^2 x", "1-2\\sin^2 x"],
         ["2\\cos x - 1", "\\cos^2 x - 1"]),
    ],
    "log_base": [
        ("3", ["\\log_2 8", "\\log_{2} 8", "\\log_2{8}", "\\log_{2}(8)", "\\log_3 27"],
         ["\\log_2 9", "\\log_8 2", "\\log_3 8"]),
        ("2", ["\\log_{10} 100", "\\ln e^2", "\\ln(e^2)", "\\log_5 25", "\\log_{3}9"],
         ["\\log_2 100", "\\ln 2", "\\log_{10} 1000"]),
        ("\\log_2 3", ["\\frac{\\ln 3}{\\ln 2}", "\\frac{\\log 3}{\\log 2}", "1.584963",
                       "\\log_{2}3", "\\frac{\\log_{10} 3}{\\log_{10} 2}"],
         ["\\log_3 2", "\\frac{\\ln 2}{\\ln 3}", "1.58"]),
        ("\\ln 2", ["\\log_e 2", "\\ln(2)", "0.693147", "\\ln{2}"], ["\\log_2 e", "\\ln 3"]),
        ("\\frac{1}{2}", ["\\log_4 2", "\\log_{9} 3", "\\log_{100} 10"],
         ["\\log_2 4", "\\log_{3} 9"]),
        ("-1", ["\\log_2 \\frac{1}{2}", "\\log_{\\frac{1}{2}} 2", "\\log_{10} 0.1"],
         ["\\log_2 2", "\\log_{10} 10"]),
        ("\\log_3 5", ["\\frac{\\ln 5}{\\ln 3}", "\\log_{3}{5}"], ["\\log_5 3", "\\log_3 15"]),
        ("2\\log_2 x", ["\\log_2 x^2", "\\log_{2}(x^{2})", "\\frac{2\\ln x}{\\ln 2}"],
         ["\\log_2 2x", "\\log_4 x"]),
    ],
    "percent": [
        ("50\\%", ["\\frac{1}{2}", "0.5", "50", "50 \\%", "\\frac{50}{100}"],
         ["5\\%", "0.05", "500\\%"]),
        ("\\frac{1}{4}", ["25\\%", "0.25", "\\frac{25}{100}"], ["4\\%", "2.5\\%", "0.4"]),
        ("#20", ["20\\%", "20", "20 \\text{ percent}"], ["2\\%", "200\\%", "0.02"]),
        ("12.5\\%", ["\\frac{1}{8}", "0.125", "12.5", "12\\frac{1}{2}\\%"],
         ["1.25\\%", "\\frac{1}{4}", "125\\%"]),
        ("0.3", ["30\\%", "\\frac{3}{10}", "30"], ["3\\%", "0.03"]),
        ("150\\%", ["1.5", "\\frac{3}{2}", "150"], ["15\\%", "50\\%"]),
        ("33\\frac{1}{3}\\%", ["\\frac{1}{3}", "33.333333\\%"], ["33\\%", "\\frac{1}{33}"]),
        ("#40", ["40\\%", "\\$40", "40 percent"], ["0.4\\%", "4"]),
    ],
    "degrees": [
        ("30^\\circ", ["30", "30^{\\circ}", "30\\,^\\circ", "30 \\text{ degrees}"],
         ["60^\\circ", "60", "330^\\circ"]),
        ("90", ["90^\\circ", "90\\text{ degrees}", "90^{\\circ}"], ["180^\\circ", "45"]),
        ("\\frac{\\pi}{4}", ["\\frac{\\pi}{4}", "0.785398", "\\dfrac{\\pi}{4}", "\\pi/4"],
         ["\\frac{\\pi}{2}", "\\frac{4}{\\pi}"]),
        ("120^\\circ", ["120", "120^{\\circ}", "120 ^\\circ"], ["60", "\\frac{2}{3}"]),
        ("45", ["45^\\circ", "45 \\degree"], ["135^\\circ", "4.5"]),
    ],
    "units_text": [
        ("#5", ["5 \\text{ dollars}", "\\$5", "\\$5.00", "5\\text{ dollars}", "\\text{5 dollars}",
                "5 \\text{ hours}"],
         ["6 \\text{ dollars}", "\\$50", "0.5"]),
        ("18", ["18 \\text{ cm}^2", "18\\text{ square units}", "18 \\mbox{ cm}", "18\\ \\text{m}",
                "18 \\text{ inches}", "18\\text{ feet}"],
         ["18 \\text{ cm}^2 + 1", "81 \\text{ cm}", "1.8\\text{ m}"]),
        ("\\$12.50", ["12.5", "12.50", "\\$12.5", "\\$ 12.50"], ["\\$13", "12.05", "\\$125"]),
        ("4 \\text{ inches}", ["4", "4\\text{ in}", "4 \\text{ inches}"], ["5 \\text{ inches}", "40"]),
        ("#16", ["16 \\text{ eggs}", "16\\text{ apples}", "\\text{16}"], ["17 \\text{ eggs}", "61"]),
        ("3 \\text{ hours}", ["3", "3\\text{ hrs}", "3 \\text{ hours}"], ["180", "3.5 \\text{ hours}"]),
        ("\\text{(C)}", ["\\text{(C)}", "C", "(C)", "\\textbf{(C)}"], ["\\text{(D)}", "D"]),
        ("\\text{odd}", ["\\text{odd}", "\\text{Odd}", "\\text{ odd }"], ["\\text{even}", "\\text{neither}"]),
    ],
    "thousands": [
        ("1,000,000", ["1000000", "10^6", "1{,}000{,}000", "1,000,000.00"],
         ["100,000", "10,000,000", "1,000,001"]),
        ("#2500", ["2,500", "\\$2,500", "2{,}500", "2,500.00", "2500.0"], ["25,000", "250", "2,050"]),
        ("12,000", ["12000", "12{,}000", "1.2 \\times 10^4"], ["12", "1,200", "120,000"]),
        ("#86400", ["86,400", "86{,}400"], ["8,640", "864,000"]),
        ("1,234.5", ["1234.5", "1{,}234.5"], ["1234", "1,234.05"]),
    ],
    "mixed_number": [
        ("2\\frac{1}{3}", ["\\frac{7}{3}", "2 \\frac{1}{3}", "2.333333", "2\\tfrac{1}{3}",
                           "2\\dfrac{1}{3}"],
         ["\\frac{2}{3}", "2.33", "\\frac{5}{3}"]),
        ("\\frac{11}{4}", ["2\\frac{3}{4}", "2\\dfrac{3}{4}", "2.75", "11/4"],
         ["2\\frac{1}{4}", "\\frac{4}{11}", "2.57"]),
        ("-1\\frac{1}{2}", ["-\\frac{3}{2}", "-1.5", "-\\dfrac32"], ["-\\frac{1}{2}", "1.5"]),
        ("5\\frac{5}{6}", ["\\frac{35}{6}", "5.833333"], ["\\frac{25}{6}", "5.83"]),
    ],
    "scientific": [
        ("3 \\times 10^5", ["300000", "300,000", "3.0 \\times 10^{5}", "3\\cdot10^5",
                            "30 \\times 10^4"],
         ["3 \\times 10^6", "3 \\times 10^4", "30000"]),
        ("0.00025", ["2.5 \\times 10^{-4}", "2.5\\cdot 10^{-4}", "25 \\times 10^{-5}",
                     "\\frac{1}{4000}"],
         ["2.5 \\times 10^{-3}", "2.5 \\times 10^{4}"]),
        ("6.02 \\times 10^{23}", ["602 \\times 10^{21}", "6.02 \\cdot 10^{23}",
                                  "6.020 \\times 10^{23}"],
         ["6.02 \\times 10^{22}", "6.2 \\times 10^{23}"]),
        ("1.5 \\times 10^{-3}", ["0.0015", "\\frac{3}{2000}", "15 \\times 10^{-4}"],
         ["0.015", "1.5 \\times 10^{3}"]),
    ],
    "matrix_vector": [
        ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}",
         ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
          "\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}", "\\begin{pmatrix} \\frac{2}{2} \\\\ 2 \\end{pmatrix}"],
         ["\\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}"]),
        ("\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
         ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}",
          "\\begin{pmatrix} 1 & 2 \\\\ 3 & 2+2 \\end{pmatrix}"],
         ["\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}",
          "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}"]),
        ("\\begin{pmatrix} -1/2 \\\\ 3 \\end{pmatrix}",
         ["\\begin{pmatrix} -\\frac{1}{2} \\\\ 3 \\end{pmatrix}",
          "\\begin{pmatrix} -0.5 \\\\ 3 \\end{pmatrix}"],
         ["\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}", "\\begin{pmatrix} -1/2 \\\\ -3 \\end{pmatrix}"]),
        ("\\begin{pmatrix} 0 & -1 \\\\ 1 & 0 \\end{pmatrix}",
         ["\\begin{pmatrix} 0 & -1 \\\\ 1 & 0 \\end{pmatrix}",
          "\\left(\\begin{matrix} 0 & -1 \\\\ 1 & 0 \\end{matrix}\\right)"],
         ["\\begin{pmatrix} 0 & 1 \\\\ -1 & 0 \\end{pmatrix}"]),
        ("\\begin{pmatrix} 2 \\\\ -1 \\\\ 5 \\end{pmatrix}",
         ["\\begin{pmatrix}2\\\\-1\\\\5\\end{pmatrix}", "\\begin{bmatrix}2\\\\-1\\\\5\\end{bmatrix}"],
         ["\\begin{pmatrix} 2 \\\\ 1 \\\\ 5 \\end{pmatrix}", "\\begin{pmatrix} 5 \\\\ -1 \\\\ 2 \\end{pmatrix}"]),
    ],
    "equation": [
        ("3", ["x=3", "x = 3", "a = 3"], ["x=4", "x = -3"]),
        ("x=3", ["3", "x = 3"], ["x=-3", "4"]),
        ("y = 2x + 1", ["y=1+2x", "y = 2x+1", "2x+1"], ["y = 2x - 1", "y = x + 2"]),
        ("y = -\\frac{1}{2}x + 4", ["y=-0.5x+4", "y = 4 - \\frac{x}{2}", "y = -\\frac{x}{2} + 4"],
         ["y = \\frac{1}{2}x + 4", "y = -2x + 4"]),
        ("x^2+y^2=25", ["y^2+x^2=25", "x^2 + y^2 = 5^2"], ["x^2+y^2=5", "x^2-y^2=25"]),
        ("k = -\\frac{3}{4}", ["-\\frac{3}{4}", "k=-0.75"], ["k=\\frac{3}{4}", "-\\frac{4}{3}"]),
        ("f^{-1}(x) = \\frac{x-3}{2}", ["\\frac{x-3}{2}", "f^{-1}(x)=\\frac{x}{2}-\\frac{3}{2}"],
         ["\\frac{x+3}{2}", "2x+3"]),
    ],
    "multiple_answers": [
        ("1, 2", ["2, 1", "1,2", "x=1, x=2", "\\{1, 2\\}"], ["1", "1, 2, 3", "1, 3"]),
        ("-1, 3", ["3, -1", "-1,3", "x=-1 \\text{ or } x=3"], ["-1", "1, 3", "-3, 1"]),
        ("2, 3, 5, 7", ["7, 5, 3, 2", "2,3,5,7"], ["2, 3, 5", "2, 3, 5, 7, 11", "1, 3, 5, 7"]),
        ("\\frac{1}{2}, 2", ["2, \\frac{1}{2}", "0.5, 2"], ["\\frac{1}{2}", "2, 3"]),
        ("-\\sqrt{2}, \\sqrt{2}", ["\\pm\\sqrt{2}", "\\sqrt{2}, -\\sqrt{2}"], ["\\sqrt{2}", "\\pm 2"]),
    ],
    "interval": [
        ("(-\\infty, 3]", ["(-\\infty,3]", "\\left(-\\infty, 3\\right]", "(-\\infty, 3 ]"],
         ["(-\\infty, 3)", "[3, \\infty)", "(-\\infty, -3]"]),
        ("[2, 5)", ["[2,5)", "\\left[2, 5\\right)", "[ 2 , 5 )"], ["(2, 5)", "[2, 5]", "(2, 5]"]),
        ("(-\\infty, -1) \\cup (1, \\infty)",
         ["(-\\infty,-1)\\cup(1,\\infty)", "(1, \\infty) \\cup (-\\infty, -1)",
          "\\left(-\\infty, -1\\right) \\cup \\left(1, \\infty\\right)"],
         ["(-1, 1)", "(-\\infty, -1] \\cup [1, \\infty)", "(-\\infty, 1) \\cup (1, \\infty)"]),
        ("[0, \\infty)", ["[0,\\infty)", "[0, +\\infty)", "\\left[0,\\infty\\right)"],
         ["(0, \\infty)", "[1, \\infty)"]),
        ("\\left[-\\frac{1}{2}, \\frac{1}{2}\\right]", ["[-0.5, 0.5]", "[-\\tfrac12, \\tfrac12]"],
         ["(-0.5, 0.5)", "[-1, 1]"]),
    ],
    "fraction_root": [
        ("\\frac{1}{2}", ["\\frac12", "\\dfrac12", "\\frac{1}2", "1 / 2"], ["\\frac21", "\\frac13"]),
        ("\\sqrt{2}", ["\\sqrt2", "2^{1/2}", "2^{\\frac{1}{2}}", "\\frac{2}{\\sqrt{2}}"],
         ["\\sqrt[3]{2}", "2", "\\frac{\\sqrt{2}}{2}"]),
        ("\\frac{\\sqrt{6}}{3}", ["\\frac{\\sqrt{2}}{\\sqrt{3}}", "\\sqrt{\\frac{2}{3}}",
                                  "\\frac{2\\sqrt{6}}{6}"],
         ["\\frac{\\sqrt{6}}{2}", "\\frac{\\sqrt{3}}{3}"]),
        ("4\\sqrt{3}", ["\\sqrt{48}", "4 \\sqrt 3", "4\\sqrt3"], ["3\\sqrt{4}", "\\sqrt{12}"]),
        ("2+3i", ["3i+2", "2 + 3i", "i \\cdot 3 + 2"], ["2-3i", "3+2i"]),
    ],
    "gsm8k": [
        ("#18", ["18", "\\$18", "18.00", "\\$18.00", "18 \\text{ dollars}"], ["16", "\\$20", "1.8"]),
        ("#72", ["72", "72 \\text{ clips}", "72.0"], ["48", "70"]),
        ("#624", ["624", "\\$624"], ["642", "600"]),
        ("#3", ["3", "3 \\text{ hours}", "3.0"], ["3.5", "2"]),
        ("#1080", ["1,080", "1080", "\\$1,080"], ["108", "10,800"]),
        ("#-4", ["-4", "-4.0"], ["4", "-40"]),
    ],
}


def gold_forms(gold):
    """How a dataset may hold this gold: a GSM8K number ("#n": the solution and the bare
    number), else a MATH solution (inline or display box) and, for a plain number, bare."""
    if gold.startswith("#"):
        n = gold[1:]
        return [gsm8k_solution(n), n]
    forms = [math_solution(gold), math_solution_display(gold)]
    if gold.replace(",", "").replace(".", "", 1).lstrip("-").isdigit():
        forms.append(gold)
    return forms


def pick_template(k, category, pred):
    """Every fourth prediction is plain (with a LaTeX twin): after "####" when it is a number (as
    GSM8K-trained models write), else in <answer> tags; the others rotate the LaTeX templates."""
    if k % 4 == 3:
        number = re.fullmatch(r"-?[\d,]+(\.\d+)?", pred) is not None
        return base.gsm8k_plain if number or category == "gsm8k" else base.tag_plain
    return LATEX_TEMPLATES[k % len(LATEX_TEMPLATES)]


def everyday_pairs():
    pairs = []
    k = 0
    for category, cases in CASES.items():
        for gold, equal, differ in cases:
            golds = gold_forms(gold)
            for i, (pred, expected) in enumerate([(p, "equal") for p in equal] +
                                                 [(p, "differ") for p in differ]):
                template = pick_template(k, category, pred)
                completion, twin = template(pred)
                pairs.append({"completion": completion, "gold": golds[k % len(golds)],
                              "twin": twin, "note": f"{category} {expected} {template.__name__}"})
                k += 1
    return pairs


def build():
    logging.disable(logging.WARNING)
    first_set = {(p["completion"], p["gold"]) for p in base.build_pairs()}
    seen = set(first_set)
    out = []
    for pair in everyday_pairs():
        key = (pair["completion"], pair["gold"])
        if key in seen:
            continue
        seen.add(key)
        out.append(base.label(pair))
    return {"generator": "tests/rl/make_math_verify_everyday_fixtures.py",
            "oracle": f"trl {trl.__version__} accuracy_reward, "
                      f"math-verify {importlib.metadata.version('math-verify')}",
            "pairs": out}


def main():
    return base.write_or_check(build, DEFAULT_OUT, __doc__)


if __name__ == "__main__":
    sys.exit(main())
