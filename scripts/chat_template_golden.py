#!/usr/bin/env python3
"""Golden chat-template renders from transformers, for r1forge's Jinja interpreter test.

Renders every (family, conversation, options) case with transformers' own render path,
transformers.utils.chat_template_utils.render_jinja_template, fed exactly as
PreTrainedTokenizerBase.apply_chat_template(tokenize=False) feeds it: messages normalized by
_normalize_chat_messages (null-valued keys dropped), template kwargs = {**special_tokens_map,
**kwargs}. The templates are the committed tests/golden/chat_templates/<family>.jinja files (see
the README there for where each comes from). Writes tests/golden/chat_templates/renders.json,
which tests/tokenizer/chat_template_test.cpp replays, requiring identical strings.

Usage: $(bash scripts/setup.sh | tail -n1)/bin/python scripts/chat_template_golden.py [--check]
(--check: regenerate in memory and fail if the committed renders.json differs.)
"""
import argparse
import json
import pathlib

import jinja2
import transformers
from transformers.utils.chat_template_utils import _normalize_chat_messages, render_jinja_template

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "golden" / "chat_templates"

DEEPSEEK_TOKENS = {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>",
                   "pad_token": "<｜end▁of▁sentence｜>"}
LLAMA_TOKENS = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
# Special tokens as each family's tokenizer_config.json gives them (a null token is left out,
# as special_tokens_map leaves it out).
FAMILIES = {
    "qwen2_5": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "qwen3": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
    "deepseek_r1_distill": DEEPSEEK_TOKENS,
    "deepseek_v3": DEEPSEEK_TOKENS,
    "llama3": LLAMA_TOKENS,
    "llama3_1": LLAMA_TOKENS,
    "llama3_2": LLAMA_TOKENS,
}

USER = {"role": "user", "content": "What is 2+2?"}
SYSTEM = {"role": "system", "content": "You are a careful math tutor."}
REASONED = {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4"}
FOLLOW_UP = {"role": "user", "content": "And 3+3?"}
CONVERSATIONS = {
    "system_user": [SYSTEM, USER],
    "user_only": [USER],
    # formats.md §6's test conversation.
    "multi_turn_reasoning": [USER, REASONED, FOLLOW_UP],
    "multi_turn_plain": [SYSTEM, USER, {"role": "assistant", "content": "4"}, FOLLOW_UP],
    "ends_with_reasoned_assistant": [USER, {"role": "assistant", "content": "4"}, FOLLOW_UP,
                                     {"role": "assistant",
                                      "content": "<think>\n3 plus 3\n</think>\n\n6"}],
    "reasoning_content_field": [USER, {"role": "assistant", "content": "4",
                                       "reasoning_content": "add 2 and 2", "name": None},
                                FOLLOW_UP],
    "two_systems_unicode": [SYSTEM, {"role": "system", "content": "Réponds en français ✓."},
                            {"role": "user", "content": "  Combien font 2+2 ? 世界 \"quoted\" \\ \n\n"}],
}
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Météo actuelle d'une ville",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "Nom de la ville"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city"]}}}]
TOOL_CONVERSATION = [
    {"role": "user", "content": "Weather in Zürich?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": {"city": "Zürich", "unit": "celsius"}}}]},
    {"role": "tool", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"},
]
# Families whose templates handle the tools conversation (the DeepSeek templates expect
# OpenAI-style string arguments and content none, a different tool format).
TOOL_FAMILIES = {"qwen2_5", "qwen3", "llama3_1", "llama3_2"}


def render(template, messages, special_tokens, add_generation_prompt, **kwargs):
    conversations = [_normalize_chat_messages(messages)]
    template_kwargs = {**special_tokens, **kwargs}
    rendered, _ = render_jinja_template(conversations=conversations, chat_template=template,
                                        add_generation_prompt=add_generation_prompt,
                                        **template_kwargs)
    return rendered[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed renders.json instead of writing it")
    args = parser.parse_args()
    cases = []
    for family, special_tokens in FAMILIES.items():
        template = (FOLDER / f"{family}.jinja").read_text(encoding="utf-8")
        extra_base = {"date_string": "05 Dec 2026"} if family in ("llama3_1", "llama3_2") else {}
        variants = [(name, messages, {}) for name, messages in CONVERSATIONS.items()]
        if family in TOOL_FAMILIES:
            variants.append(("tools_round_trip", TOOL_CONVERSATION, {"tools": TOOLS}))
        for name, messages, extra in variants:
            for add_generation_prompt in (True, False):
                thinking_options = [None]
                if family == "qwen3" and add_generation_prompt:
                    thinking_options = [None, True, False]
                for enable_thinking in thinking_options:
                    kwargs = {**extra_base, **extra}
                    if enable_thinking is not None:
                        kwargs["enable_thinking"] = enable_thinking
                    expected = render(template, messages, special_tokens, add_generation_prompt,
                                      **kwargs)
                    cases.append({
                        "family": family,
                        "conversation": name,
                        "messages": messages,
                        "add_generation_prompt": add_generation_prompt,
                        "enable_thinking": enable_thinking,
                        "extra": {**extra_base, **extra},
                        "special_tokens": special_tokens,
                        "expected": expected,
                    })
    out = {
        "generator": "scripts/chat_template_golden.py",
        "transformers": transformers.__version__,
        "jinja2": jinja2.__version__,
        "cases": cases,
    }
    path = FOLDER / "renders.json"
    text = json.dumps(out, ensure_ascii=False, indent=1) + "\n"
    if args.check:
        committed = json.loads(path.read_text(encoding="utf-8"))
        if committed["cases"] != out["cases"]:
            raise SystemExit(f"{path.relative_to(ROOT)} differs from transformers' renders: "
                             "rerun scripts/chat_template_golden.py")
        print(f"{len(cases)} cases match transformers {transformers.__version__}")
        return
    path.write_text(text, encoding="utf-8")
    print(f"wrote {len(cases)} cases to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
