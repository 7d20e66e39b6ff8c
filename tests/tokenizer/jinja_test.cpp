// Unit tests of the Jinja interpreter with hand-written expected strings: whitespace control as
// transformers configures jinja2 (trim_blocks, lstrip_blocks), loops, scopes and namespaces,
// slicing, filters, tests, methods, Python printing, undefined values, macros, errors naming
// the template line, and the guards against runaway templates. (Each expectation is jinja2's
// output for the same template; the golden renders are in chat_template_test.cpp.)
#include <gtest/gtest.h>

#include <ctime>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/jinja_interpreter.h"
#include "r1forge/tokenizer/jinja_parser.h"

namespace r1forge::jinja {
namespace {

std::string render(const std::string& source, const std::string& variables_json = "{}") {
  Template parsed = parse_template(source, "t.jinja");
  ValueDict variables;
  auto json = nlohmann::ordered_json::parse(variables_json);
  for (auto it = json.begin(); it != json.end(); ++it) {
    variables.emplace_back(it.key(), Value::from_json(it.value()));
  }
  return render_template(parsed, variables);
}

// The message of the ConfigError that rendering (or parsing) throws.
std::string config_error(const std::string& source, const std::string& variables_json = "{}") {
  try {
    render(source, variables_json);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no ConfigError";
}

TEST(JinjaWhitespace, DashStripsAllWhitespaceOnItsSide) {
  EXPECT_EQ(render("a  \n {%- if true -%} \n b \n {%- endif -%}\n  c"), "abc");
  EXPECT_EQ(render("a {{- 1 -}} b"), "a1b");
  EXPECT_EQ(render("a \n{#- comment -#}\n b"), "ab");
}

TEST(JinjaWhitespace, TrimBlocksAndLstripBlocks) {
  // lstrip_blocks drops the indentation before a tag alone on its line, trim_blocks the
  // newline after a block tag; text lines keep theirs.
  EXPECT_EQ(render("x\n  {% if true %}\n  y\n  {% endif %}\nz"), "x\n  y\nz");
  // Not after a variable tag, and not for a tag that follows text on its line.
  EXPECT_EQ(render("{{ 1 }}\n{{ 2 }}"), "1\n2");
  EXPECT_EQ(render("{{ 1 }}  {% if true %}x{% endif %}"), "1  x");
  EXPECT_EQ(render("a  {% if true %}x{% endif %}"), "a  x");
  // {%+ keeps the indentation, +%} the newline.
  EXPECT_EQ(render("  {%+ if true +%}\na{% endif %}"), "  \na");
  // Comments get both treatments; one trailing newline of the source is dropped.
  EXPECT_EQ(render("a\n  {# c #}\nb\n"), "a\nb");
  EXPECT_EQ(render("a\n\n"), "a\n");
  // "\r\n" reads as "\n".
  EXPECT_EQ(render("{% if true %}\r\nx\r\n{% endif %}\r\n"), "x\n");
}

TEST(JinjaWhitespace, RawBlocksAndNestedBraces) {
  EXPECT_EQ(render("x  {%- raw %}  {{ a }} {% if %}\n  {% endraw %}\ny"), "x  {{ a }} {% if %}\ny");
  EXPECT_EQ(render("{% raw -%}  a  {%- endraw %}b"), "ab");
  // "}}" inside a dict literal does not close the tag.
  EXPECT_EQ(render("{{ {'a': {'b': [1, {'c': 2}]}} }}"), "{'a': {'b': [1, {'c': 2}]}}");
  EXPECT_EQ(config_error("{% raw %}never closed"), "t.jinja:1: missing end of raw directive");
}

TEST(JinjaLoops, LoopVariablesElseFilterAndControl) {
  EXPECT_EQ(
      render("{% for x in ['a','b','c'] %}{{ loop.index0 }}{{ loop.index }}{{ x }}"
             "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}"),
      "01aTrueFalse33;12bFalseFalse32;23cFalseTrue31;");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  // The `if` filter runs before loop.* is counted.
  EXPECT_EQ(render("{% for x in [1,2,3,4] if x is even %}{{ loop.index }}:{{ x }} {% endfor %}"),
            "1:2 2:4 ");
  EXPECT_EQ(render("{% for x in range(10) %}{% if x == 1 %}{% continue %}{% endif %}"
                   "{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
            "023");
  EXPECT_EQ(
      render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}"
             "{% for k in d %}{{ k }}{% endfor %}{% for p in d|items %}{{ p[1] }}{% endfor %}",
             R"({"d": {"z": 1, "a": 2}})"),
      "z=1,a=2,za12");
  EXPECT_EQ(render("{% for a in [1,2] %}{% for b in 'xy' %}{{ loop.index }}{{ a }}{{ b }} "
                   "{% endfor %}{{ loop.index }}|{% endfor %}"),
            "11x 21y 1|12x 22y 2|");
}

TEST(JinjaScopes, SetInLoopDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(render("{% set n = 0 %}{% for i in [1,2] %}{{ n }}{% set n = n + i %}{{ n }}"
                   "{% endfor %}|{{ n }}"),
            "0102|0");
  EXPECT_EQ(render("{% set ns = namespace(total=0, seen=none) %}{% for i in [1,2,3] %}"
                   "{% set ns.total = ns.total + i %}{% set ns.seen = i %}{% endfor %}"
                   "{{ ns.total }} {{ ns.seen }} {{ ns.missing is defined }}"),
            "6 3 False");
  // `if` has no scope; set at the top level replaces a variable passed in.
  EXPECT_EQ(render("{% if true %}{% set x = 'in' %}{% endif %}{{ x }}"), "in");
  EXPECT_EQ(render("{% set m = m[1:] %}{{ m | length }}", R"({"m": [1,2,3]})"), "2");
  EXPECT_EQ(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}{% set c %}x{{ a }}{% endset %}{{ c }}"),
            "21x1");
  EXPECT_NE(config_error("{% set x = 1 %}{% set x.y = 2 %}").find("non-namespace"),
            std::string::npos);
  EXPECT_NE(config_error("{% set ns = namespace() %}{% set ns._x = 2 %}").find("underscore"),
            std::string::npos);
  EXPECT_NE(config_error("{% set ns = namespace(_x=1) %}").find("underscore"), std::string::npos);
}

TEST(JinjaExpressions, SlicingAndSubscripts) {
  EXPECT_EQ(render("{{ x[::-1] }}{{ x[1:] }}{{ x[:-1] }}{{ x[-2:] }}{{ x[0:4:2] }}{{ x[-1] }}",
                   R"({"x": [1,2,3,4]})"),
            "[4, 3, 2, 1][2, 3, 4][1, 2, 3][3, 4][1, 3]4");
  EXPECT_EQ(render("{{ 'héllo'[::-1] }} {{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'héllo'|length }}"),
            "olléh é él 5");
  EXPECT_EQ(render("{{ m[0]['content'] }}{{ m[0].content }}{{ m.0.content }}{{ m[5] is defined }}",
                   R"({"m": [{"content": "c"}]})"),
            "cccFalse");
}

TEST(JinjaExpressions, OperatorsFollowPython) {
  EXPECT_EQ(
      render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }}"),
      "3 -4 2 3.5 1024 7");
  EXPECT_EQ(render("{{ 'a' ~ 1 ~ none ~ true }} {{ 'ab' * 2 }} {{ [1] + [2] }}"),
            "a1NoneTrue abab [1, 2]");
  EXPECT_EQ(render("{{ 'b' in 'abc' }} {{ 2 not in [1,2] }} {{ 'k' in d }} {{ 1 < 2 < 3 }} "
                   "{{ 1 == 1.0 }} {{ 'a' < 'b' }}",
                   R"({"d": {"k": 1}})"),
            "True False True True True True");
  EXPECT_EQ(render("{{ 'y' if x else 'n' }}{{ 'y' if not x }}|{{ x or 'd' }}{{ 0 and 1 }}"
                   "{{ not x is defined }}"),
            "ny|d0True");
  // A filter binds tighter than +, as in Llama-3's `'...' + content | trim + '...'`.
  EXPECT_EQ(render("{{ '[' + ' x ' | trim + ']' }}"), "[x]");
  EXPECT_EQ(render("{{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1.0 }} {{ 2.5 | round }} {{ 1e-5 }}"),
            "0.30000000000000004 1e+16 1.0 2.0 1e-05");
}

TEST(JinjaFilters, TojsonIsTransformersJsonDumps) {
  const char* variables = R"({"v": {"b": [1, 2.5, true, null], "a": "é\"\n<tag>"}})";
  EXPECT_EQ(render("{{ v | tojson }}", variables),
            R"({"b": [1, 2.5, true, null], "a": "é\"\n<tag>"})");
  EXPECT_EQ(
      render("{{ v | tojson(indent=2) }}", variables),
      "{\n  \"b\": [\n    1,\n    2.5,\n    true,\n    null\n  ],\n  \"a\": \"é\\\"\\n<tag>\"\n}");
  EXPECT_EQ(render("{{ v | tojson(sort_keys=true, separators=(',', ':')) }}", variables),
            R"({"a":"é\"\n<tag>","b":[1,2.5,true,null]})");
  EXPECT_EQ(render("{{ 'é' | tojson(ensure_ascii=true) }}{{ {} | tojson }}{{ [] | tojson }}"),
            R"("\u00e9"{}[])");
  EXPECT_NE(config_error("{{ x | tojson }}").find("not JSON serializable"), std::string::npos);
}

TEST(JinjaFilters, StringAndListFilters) {
  EXPECT_EQ(render("[{{ '  a b \n' | trim }}][{{ 'xxaxx' | trim('x') }}]"), "[a b][a]");
  EXPECT_EQ(render("{{ x | default('d') }}{{ none | default('d') }}{{ '' | default('d', true) }}"),
            "dNoned");
  EXPECT_EQ(
      render("{{ [1, 2, 3] | join(', ') }} {{ 'aBc' | upper }}{{ 'aBc' | lower }} "
             "{{ 12 | string | length }} {{ '42' | int + 1 }} {{ 'x' | int }} {{ 3.9 | int }}"),
      "1, 2, 3 ABCabc 2 43 0 3");
  EXPECT_EQ(render("{{ [3, 1, 2] | first }}{{ [3, 1, 2] | last }}{{ 'a-b-c' | replace('-', '+') }}"
                   "{{ [3, 1, 2] | sort }}{{ [1, 2] | reverse | list }}"),
            "32a+b+c[1, 2, 3][2, 1]");
  EXPECT_EQ(
      render("{{ m | map(attribute='role') | join(',') }} {{ m | selectattr('role', 'equalto', "
             "'user') | list | length }} {{ ['a', 'b'] | reject('equalto', 'a') | list }}",
             R"({"m": [{"role": "user"}, {"role": "assistant"}]})"),
      "user,assistant 1 ['b']");
}

TEST(JinjaTests, TypeTests) {
  EXPECT_EQ(render("{{ x is defined }}{{ none is none }}{{ 1 is not none }}{{ 's' is string }}"
                   "{{ d is mapping }}{{ [] is sequence }}{{ 's' is iterable }}{{ 1.5 is number }}"
                   "{{ d is iterable }}{{ 3 is string }}{{ false is false }}{{ 0 is false }}",
                   R"({"d": {}})"),
            "FalseTrueTrueTrueTrueTrueTrueTrueTrueFalseTrueFalse");
  EXPECT_EQ(
      render("{{ 4 is divisibleby 2 }}{{ 3 is odd }}{{ 'a' is in 'abc' }}{{ x is undefined }}"),
      "TrueTrueTrueTrue");
}

TEST(JinjaMethods, StringAndDictMethods) {
  EXPECT_EQ(render("{{ 'a</think>b</think>c'.split('</think>') }} {{ ' a  b '.split() }} "
                   "{{ 'a,b,c'.rsplit(',', 1) }} {{ 'a,b'.split(',', 0) }}"),
            "['a', 'b', 'c'] ['a', 'b'] ['a,b', 'c'] ['a,b']");
  // With maxsplit, Python keeps the rest's whitespace.
  EXPECT_EQ(render("{{ '  a b  '.split(None, 1) }}{{ '  a b  '.rsplit(None, 1) }}"),
            "['a', 'b  ']['  a', 'b']");
  EXPECT_EQ(
      render("[{{ '\n\nx\n'.lstrip('\n') }}][{{ ' x '.strip() }}][{{ 'xyx'.rstrip('x') }}]"
             "{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}"
             "{{ 'Hi'.upper() }}{{ 'a-a'.replace('a', 'b', 1) }}{{ '{} {x}'.format(1, x=2) }}"),
      "[x\n][x][xy]TrueTrueHIb-a1 2");
  EXPECT_EQ(render("{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 0) }}{{ d.keys() | list }}"
                   "{{ d.values() | list }}{{ d.items() | list }}",
                   R"({"d": {"a": 1}})"),
            "1None0['a'][1][('a', 1)]");
  // jinja2's getattr: a dict's own methods win over its keys for `.name`; `['name']` is the key.
  EXPECT_EQ(render("{{ d['items'] }} {{ d.items is defined }}", R"({"d": {"items": 5}})"),
            "5 True");
}

TEST(JinjaValues, UndefinedBehavesAsJinja2Default) {
  EXPECT_EQ(render("[{{ x }}][{{ d.missing }}][{{ d['missing'] }}]{{ d.missing is defined }}"
                   "{{ x | length }}{% for i in x %}no{% endfor %}{{ 'a' in x }}{{ x == x }}",
                   R"({"d": {}})"),
            "[][][]False0FalseTrue");
  EXPECT_EQ(config_error("line one\n{{ x.y }}"),
            "t.jinja:2: cannot read attribute 'y' of an undefined value");
  EXPECT_EQ(config_error("\n\n{{ x + 1 }}"), "t.jinja:3: an undefined value was used with '+'");
}

TEST(JinjaMacros, DefaultsKeywordsAndCaller) {
  EXPECT_EQ(render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('a') }} {{ greet('b', punct='?') }} {{ greet(name='c') }}"),
            "Hi a! Hi b? Hi c!");
  EXPECT_EQ(render("{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}"
                   "{% call wrap('b') %}bold{% endcall %}"),
            "<b>bold</b>");
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}{% generation %}g{% endgeneration %}"),
            "ABCg");
}

TEST(JinjaErrors, NameTheSourceAndLine) {
  EXPECT_EQ(config_error("a\n\n{% foo %}"), "t.jinja:3: unknown tag 'foo'");
  EXPECT_EQ(config_error("a\n{{ x | foo }}"), "t.jinja:2: unknown filter 'foo'");
  EXPECT_EQ(config_error("{{ x is foo }}"), "t.jinja:1: unknown test 'foo'");
  EXPECT_EQ(config_error("{% if x %}\nabc"),
            "t.jinja:2: unexpected end of template, expected 'endif'");
  EXPECT_EQ(config_error("{{ 'a'.nope() }}"), "t.jinja:1: unknown method 'nope'");
  EXPECT_EQ(config_error("{{ nope() }}"), "t.jinja:1: unknown function 'nope'");
  EXPECT_EQ(config_error("x\n{{ 'a' + 1 }}"),
            "t.jinja:2: unsupported operand type(s) for +: 'str' and 'int'");
  EXPECT_EQ(config_error("{{ 1 +  }}"), "t.jinja:1: expected an expression, found '}}'");
  EXPECT_EQ(config_error("{{ 'abc }}"), "t.jinja:1: unterminated string literal");
  EXPECT_EQ(config_error("{% break %}"), "t.jinja:1: 'break' outside of a loop");
  try {
    render("ok\n{{ raise_exception('Conversation roles must alternate') }}");
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_STREQ(error.what(), "t.jinja:2: raise_exception: Conversation roles must alternate");
  }
}

TEST(JinjaGuards, RunawayTemplatesStop) {
  EXPECT_NE(config_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
                .find("macro calls nested deeper than 64"),
            std::string::npos);
  EXPECT_NE(config_error("{{ range(1000000) | length }}").find("range too big"), std::string::npos);
  // Loops that would run 10^15 iterations stop at the step limit (smaller here, to be fast),
  // and so does output past its limit.
  RenderLimits limits;
  limits.max_steps = 100000;
  const std::string endless =
      "{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}"
      "{% endfor %}{% endfor %}{% endfor %}";
  try {
    render_template(parse_template(endless, "t.jinja"), {}, limits);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_STREQ(
        error.what(),
        "t.jinja:1: rendering exceeded 100000 evaluation steps (a loop that does not end?)");
  }
  limits = RenderLimits();
  limits.max_output_bytes = 1000;
  EXPECT_THROW(render_template(parse_template("{% for i in range(2000) %}x{% endfor %}", "t.jinja"),
                               {}, limits),
               ConfigError);
  EXPECT_NE(config_error("{{ 'x' * 1000000000 }}").find("too large"), std::string::npos);
}

TEST(JinjaGlobals, StrftimeNowFormatsTheLocalTime) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char year[8];
  std::strftime(year, sizeof(year), "%Y", &local);
  EXPECT_EQ(render("{{ strftime_now('%Y') }}"), year);
  EXPECT_EQ(render("{{ strftime_now is defined }}{{ raise_exception is defined }}"), "TrueTrue");
}

}  // namespace
}  // namespace r1forge::jinja
