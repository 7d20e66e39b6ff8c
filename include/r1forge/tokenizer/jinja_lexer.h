// The Jinja lexer: template source -> tokens, with jinja2's whitespace control as transformers
// configures it (trim_blocks and lstrip_blocks on, `{%-`/`-%}`/`{{-`/`-}}`/`{#-`/`-#}` strip
// all whitespace on that side, `{%+`/`+%}` opt out, one trailing newline of the source dropped).
// Comments are removed here; raw blocks are not supported (the parser names the tag).
// Not here: the grammar (jinja_parser.h).
#pragma once

#include <string>
#include <vector>

namespace r1forge::jinja {

enum class TokenType {
  TEXT,            // literal template text, whitespace control applied
  VARIABLE_BEGIN,  // {{
  VARIABLE_END,    // }}
  BLOCK_BEGIN,     // {%
  BLOCK_END,       // %}
  NAME,
  STRING,  // text is the decoded value (Python escapes applied)
  INTEGER,
  FLOAT,
  OPERATOR,
  END_OF_INPUT,
};

struct Token {
  TokenType type = TokenType::END_OF_INPUT;
  std::string text;
  int line = 1;  // 1-based line of the source where the token starts
};

// ConfigError "<origin>:<line>: ..." for an unterminated tag, comment or string, or a character
// no token starts with.
std::vector<Token> tokenize_template(const std::string& source, const std::string& origin);

}  // namespace r1forge::jinja
