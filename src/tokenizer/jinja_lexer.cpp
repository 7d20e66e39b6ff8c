// The Jinja lexer, following jinja2's lexer.py rules for whitespace control; see
// include/r1forge/tokenizer/jinja_lexer.h.
#include "r1forge/tokenizer/jinja_lexer.h"

#include <algorithm>
#include <cctype>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/jinja_value.h"

namespace r1forge::jinja {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& origin)
      : source_(std::move(source)), origin_(origin) {
    for (size_t i = 0; i < source_.size(); ++i) {
      if (source_[i] == '\n') newlines_.push_back(i);
    }
  }

  std::vector<Token> run() {
    size_t pos = 0;
    bool line_starting = true;  // the previous match ended a line (jinja2's line_starting)
    while (pos < source_.size()) {
      size_t start = find_tag_start(pos);
      std::string text =
          source_.substr(pos, start == std::string::npos ? std::string::npos : start - pos);
      if (start == std::string::npos) {
        emit(TokenType::TEXT, text, pos);
        break;
      }
      char kind = source_[start + 1];
      char modifier = start + 2 < source_.size() ? source_[start + 2] : '\0';
      if (modifier == '-') {
        size_t keep = text.size();
        while (keep > 0 && is_space(text[keep - 1])) --keep;
        text.resize(keep);
      } else if (modifier != '+' && kind != '{') {
        // lstrip_blocks: drop the indentation before a block or comment tag alone on its line.
        size_t line_begin = text.rfind('\n');
        line_begin = line_begin == std::string::npos ? 0 : line_begin + 1;
        if ((line_begin > 0 || line_starting) && line_begin < text.size() &&
            std::all_of(text.begin() + line_begin, text.end(), is_space)) {
          text.resize(line_begin);
        }
      }
      if (!text.empty()) emit(TokenType::TEXT, text, pos);
      pos = start + 2 + (modifier == '-' || modifier == '+' ? 1 : 0);
      if (kind == '#') {
        size_t end = source_.find("#}", pos);
        if (end == std::string::npos) fail(start, "missing end of comment tag");
        char before = end > pos ? source_[end - 1] : '\0';
        pos = end + 2;
        line_starting = after_tag(pos, before, /*trim_newline=*/true);
        continue;
      }
      bool block = kind == '%';
      if (block && lex_raw(pos, start, line_starting)) continue;
      emit(block ? TokenType::BLOCK_BEGIN : TokenType::VARIABLE_BEGIN, "", start);
      pos = lex_tag(pos, block, start);
      char before = source_[pos];  // '-', '+' or the closer's first character
      pos += before == '-' || before == '+' ? 3 : 2;
      emit(block ? TokenType::BLOCK_END : TokenType::VARIABLE_END, "", pos - 2);
      line_starting = after_tag(pos, before, /*trim_newline=*/block);
    }
    emit(TokenType::END_OF_INPUT, "", source_.size());
    return tokens_;
  }

 private:
  size_t find_tag_start(size_t pos) const {
    for (size_t i = source_.find('{', pos); i != std::string::npos; i = source_.find('{', i + 1)) {
      if (i + 1 < source_.size()) {
        char next = source_[i + 1];
        if (next == '{' || next == '%' || next == '#') return i;
      }
    }
    return std::string::npos;
  }

  // Whitespace after a closer: `-` strips all of it, a plain block/comment closer one newline.
  // Returns whether the consumed text ended a line.
  bool after_tag(size_t& pos, char before_closer, bool trim_newline) {
    if (before_closer == '-') {
      size_t begin = pos;
      while (pos < source_.size() && is_space(source_[pos])) ++pos;
      return pos > begin && source_[pos - 1] == '\n';
    }
    if (before_closer != '+' && trim_newline && pos < source_.size() && source_[pos] == '\n') {
      ++pos;
      return true;
    }
    return false;
  }

  // At pos just after "{%" (and its modifier): the tag `name` alone, as in "{% raw %}"? Returns
  // the position after the tag and its closer's modifier ('-', '+' or 0), or npos.
  size_t match_bare_tag(size_t pos, const char* name, char& closer_modifier) const {
    while (pos < source_.size() && is_space(source_[pos])) ++pos;
    if (source_.compare(pos, std::char_traits<char>::length(name), name) != 0) {
      return std::string::npos;
    }
    pos += std::char_traits<char>::length(name);
    while (pos < source_.size() && is_space(source_[pos])) ++pos;
    closer_modifier = source_[pos] == '-' || source_[pos] == '+' ? source_[pos] : '\0';
    if (closer_modifier != '\0') ++pos;
    if (source_.compare(pos, 2, "%}") != 0) return std::string::npos;
    return pos + 2;
  }

  // `{% raw %}...{% endraw %}`: the text between is emitted as is. As in jinja2, the raw tag's
  // closer gets no trim_blocks, the endraw tag gets the usual whitespace control.
  bool lex_raw(size_t& pos, size_t start, bool& line_starting) {
    char modifier = '\0';
    size_t body = match_bare_tag(pos, "raw", modifier);
    if (body == std::string::npos) return false;
    if (modifier == '-') {
      while (body < source_.size() && is_space(source_[body])) ++body;
    }
    for (size_t end = source_.find("{%", body); end != std::string::npos;
         end = source_.find("{%", end + 2)) {
      char open_modifier = end + 2 < source_.size() ? source_[end + 2] : '\0';
      size_t name_pos = end + 2 + (open_modifier == '-' || open_modifier == '+' ? 1 : 0);
      char close_modifier = '\0';
      size_t after = match_bare_tag(name_pos, "endraw", close_modifier);
      if (after == std::string::npos) continue;
      std::string text = source_.substr(body, end - body);
      if (open_modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (open_modifier != '+') {
        size_t line_begin = text.rfind('\n');
        line_begin = line_begin == std::string::npos ? 0 : line_begin + 1;
        if (line_begin > 0 && line_begin < text.size() &&
            std::all_of(text.begin() + line_begin, text.end(), is_space)) {
          text.resize(line_begin);
        }
      }
      if (!text.empty()) emit(TokenType::TEXT, text, body);
      pos = after;
      line_starting = after_tag(pos, close_modifier, /*trim_newline=*/true);
      return true;
    }
    fail(start, "missing end of raw directive");
  }

  // Lexes the inside of a tag from pos; returns the position of its closer ("-%}", "%}", ...).
  // Brackets nest, so `{{ {'a': {'b': 1}} }}` closes at the last "}}", as in jinja2.
  size_t lex_tag(size_t pos, bool block, size_t tag_start) {
    const std::string closer = block ? "%}" : "}}";
    int depth = 0;
    while (true) {
      while (pos < source_.size() && is_space(source_[pos])) ++pos;
      if (pos >= source_.size()) {
        fail(tag_start, std::string("unexpected end of template, expected '") + closer + "'");
      }
      if (depth == 0 && source_.compare(pos, 2, closer) == 0) return pos;
      if (depth == 0 && (source_[pos] == '-' || (block && source_[pos] == '+')) &&
          source_.compare(pos + 1, 2, closer) == 0) {
        return pos;
      }
      char c = source_[pos];
      if (c == '(' || c == '[' || c == '{') ++depth;
      if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
      if (c == '\'' || c == '"') {
        pos = lex_string(pos);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        pos = lex_number(pos);
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t end = pos;
        while (end < source_.size() &&
               (std::isalnum(static_cast<unsigned char>(source_[end])) || source_[end] == '_')) {
          ++end;
        }
        emit(TokenType::NAME, source_.substr(pos, end - pos), pos);
        pos = end;
      } else {
        static const char* const kOperators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                                 "/",  "%",  "~",  "<",  ">",  "=",  "(", ")", "[",
                                                 "]",  "{",  "}",  ".",  ",",  ":",  "|"};
        bool matched = false;
        for (const char* op : kOperators) {
          size_t length = std::char_traits<char>::length(op);
          if (source_.compare(pos, length, op) == 0) {
            emit(TokenType::OPERATOR, op, pos);
            pos += length;
            matched = true;
            break;
          }
        }
        if (!matched) fail(pos, std::string("unexpected character '") + c + "'");
      }
    }
  }

  size_t lex_number(size_t pos) {
    auto digits = [&](size_t p) {
      while (p < source_.size() &&
             (std::isdigit(static_cast<unsigned char>(source_[p])) || source_[p] == '_')) {
        ++p;
      }
      return p;
    };
    size_t end = digits(pos);
    bool is_float = false;
    if (end + 1 < source_.size() && source_[end] == '.' &&
        std::isdigit(static_cast<unsigned char>(source_[end + 1]))) {
      end = digits(end + 1);
      is_float = true;
    }
    if (end < source_.size() && (source_[end] == 'e' || source_[end] == 'E')) {
      size_t p = end + 1;
      if (p < source_.size() && (source_[p] == '+' || source_[p] == '-')) ++p;
      if (p < source_.size() && std::isdigit(static_cast<unsigned char>(source_[p]))) {
        end = digits(p);
        is_float = true;
      }
    }
    std::string text = source_.substr(pos, end - pos);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    emit(is_float ? TokenType::FLOAT : TokenType::INTEGER, text, pos);
    return end;
  }

  // A quoted string with Python's unicode-escape rules (unknown escapes stay as written).
  size_t lex_string(size_t pos) {
    char quote = source_[pos];
    std::u32string value;
    size_t p = pos + 1;
    auto hex_escape = [&](size_t digits) {
      if (p + 1 + digits > source_.size()) fail(p, "truncated \\x/\\u escape in string");
      std::string hex = source_.substr(p + 1, digits);
      for (char h : hex) {
        if (!std::isxdigit(static_cast<unsigned char>(h))) fail(p, "bad \\x/\\u escape in string");
      }
      value.push_back(static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
      p += 1 + digits;
    };
    while (true) {
      if (p >= source_.size()) fail(pos, "unterminated string literal");
      char c = source_[p];
      if (c == quote) break;
      if (c != '\\') {
        size_t next = p + 1;
        while (next < source_.size() &&
               (static_cast<unsigned char>(source_[next]) & 0xc0) == 0x80) {
          ++next;
        }
        std::u32string decoded = utf8_decode(source_.substr(p, next - p));
        value += decoded;
        p = next;
        continue;
      }
      ++p;
      if (p >= source_.size()) fail(pos, "unterminated string literal");
      char e = source_[p];
      switch (e) {
        case 'n':
          value.push_back('\n');
          ++p;
          break;
        case 't':
          value.push_back('\t');
          ++p;
          break;
        case 'r':
          value.push_back('\r');
          ++p;
          break;
        case 'a':
          value.push_back('\a');
          ++p;
          break;
        case 'b':
          value.push_back('\b');
          ++p;
          break;
        case 'f':
          value.push_back('\f');
          ++p;
          break;
        case 'v':
          value.push_back('\v');
          ++p;
          break;
        case '\\':
          value.push_back('\\');
          ++p;
          break;
        case '\'':
          value.push_back('\'');
          ++p;
          break;
        case '"':
          value.push_back('"');
          ++p;
          break;
        case '\n': ++p; break;  // line continuation
        case 'x': hex_escape(2); break;
        case 'u': hex_escape(4); break;
        case 'U': hex_escape(8); break;
        default:
          if (e >= '0' && e <= '7') {
            char32_t code = 0;
            for (int k = 0; k < 3 && p < source_.size() && source_[p] >= '0' && source_[p] <= '7';
                 ++k, ++p) {
              code = code * 8 + (source_[p] - '0');
            }
            value.push_back(code);
          } else {
            value.push_back('\\');  // Python keeps unknown escapes as written
          }
      }
    }
    emit(TokenType::STRING, utf8_encode(value), pos);
    return p + 1;
  }

  int line_at(size_t pos) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), pos) -
                                newlines_.begin());
  }

  void emit(TokenType type, std::string text, size_t pos) {
    tokens_.push_back(Token{type, std::move(text), line_at(pos)});
  }

  [[noreturn]] void fail(size_t pos, const std::string& message) const {
    R1F_THROW(ConfigError, origin_, ":", line_at(pos), ": ", message);
  }

  std::string source_;
  const std::string& origin_;
  std::vector<size_t> newlines_;
  std::vector<Token> tokens_;
};

// jinja2 reads "\r\n" and "\r" as "\n" and, without keep_trailing_newline, drops one final
// newline of the source.
std::string normalize_source(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::vector<Token> tokenize_template(const std::string& source, const std::string& origin) {
  return Lexer(normalize_source(source), origin).run();
}

}  // namespace r1forge::jinja
