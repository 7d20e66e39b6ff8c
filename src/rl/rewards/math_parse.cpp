// The answer grammar's entry point and the answer's shape: a scalar, a bare list "1, 2", a tuple,
// interval or set in brackets, the empty set, a union of intervals and sets, a matrix. The
// expressions inside are math_parse_expression.cpp's; see include/r1forge/rl/rewards/math_parse.h.
#include "r1forge/rl/rewards/math_parse.h"

#include <cctype>

#include "math_parser.h"
#include "r1forge/rl/rewards/latex_text.h"

namespace r1forge::math {
namespace {

constexpr size_t kMaxAnswerLength = 1000;

// Matrix environments read as matrices (vmatrix is a determinant: not here).
bool is_matrix_environment(std::string_view name) {
  return name == "matrix" || name == "pmatrix" || name == "bmatrix";
}

}  // namespace

std::optional<ParsedMath> Parser::parse_answer() {
  skip_spaces();
  if (at_end()) return std::nullopt;
  skip_variable_prefix();
  if (at_matrix()) return parse_matrix();
  if (auto joined = parse_union()) return joined;
  if (failed_) return std::nullopt;
  if (parse_empty_set()) return std::move(out_);
  if (auto list = parse_bracketed_list()) return list;
  std::vector<int> items = parse_items();
  skip_spaces();
  if (failed_ || !at_end() || items.empty()) return std::nullopt;
  out_.is_list = items.size() >= 2;
  out_.items = std::move(items);
  if (!expand_plus_minus(out_)) return std::nullopt;
  return std::move(out_);
}

// A bracketed list spanning the rest of the answer: (1, 2), [0, 1), \{1, 2\}, \{3\}. nullopt
// (with the cursor and output untouched) when the brackets are not a list: "(5)", "(1+2)(3)".
std::optional<ParsedMath> Parser::parse_bracketed_list() {
  size_t open_length = 0;
  const char open = opener_at(pos_, &open_length);
  if (open == 0) return std::nullopt;
  size_t close_length = 0;
  const size_t close_at = matching_close(pos_, &close_length);
  if (close_at == std::string_view::npos || close_at + close_length != trimmed_end()) {
    return std::nullopt;
  }
  const size_t saved = pos_;
  pos_ += open_length;
  std::vector<int> items = parse_items();
  skip_spaces();
  // A one-element set is a set (math-verify: \{3\} equals 3 but is no tuple); (5) is 5.
  const size_t needed = open == '{' ? 1 : 2;
  if (!failed_ && pos_ == close_at && items.size() >= needed) {
    out_.items = std::move(items);
    out_.is_list = true;
    out_.open = open;
    out_.close = closer_char(close_at);
    if (!expand_plus_minus(out_)) return std::nullopt;
    return std::move(out_);
  }
  failed_ = false;
  out_ = ParsedMath();
  pos_ = saved;
  return std::nullopt;
}

// "A \cup B \cup ...", each part a bracketed list (interval, tuple or set). nullopt without
// failing when there is no top-level \cup; failing when a part is not such a list.
std::optional<ParsedMath> Parser::parse_union() {
  std::vector<std::pair<size_t, size_t>> parts;
  size_t part_begin = pos_;
  int depth = 0, braces = 0;
  for (size_t i = pos_; i < text_.size(); ++i) {
    const char c = text_[i];
    if (c == '\\' && i + 1 < text_.size() && (text_[i + 1] == '{' || text_[i + 1] == '}')) {
      depth += text_[i + 1] == '{' ? 1 : -1;
      ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (depth == 0 && braces == 0 && text_.substr(i).starts_with("\\cup") &&
        (i + 4 >= text_.size() || !is_letter(text_[i + 4]))) {
      parts.emplace_back(part_begin, i);
      part_begin = i + 4;
      i += 3;
    }
  }
  if (parts.empty()) return std::nullopt;
  parts.emplace_back(part_begin, text_.size());
  ParsedMath joined;
  joined.is_list = true;
  joined.open = 'U';
  for (const auto& [begin, end] : parts) {
    std::optional<ParsedMath> part =
        Parser(text_.substr(begin, end - begin), options_).parse_answer();
    if (!part || !part->is_list || part->open == 0 || part->open == 'M' || part->open == 'U') {
      fail();
      return std::nullopt;
    }
    const int offset = static_cast<int>(joined.nodes.size());
    UnionPart shape{part->open, part->close, joined.items.size(), part->items.size()};
    for (Node& node : part->nodes) {
      for (int& child : node.children) child += offset;
      joined.nodes.push_back(std::move(node));
    }
    for (int item : part->items) joined.items.push_back(item + offset);
    joined.union_parts.push_back(shape);
  }
  pos_ = text_.size();
  return joined;
}

// \begin{pmatrix} 1 & 2 \cr 3 & 4 \end{pmatrix} (normalization writes \\ as \cr), also bmatrix
// and a plain matrix inside ( ) or [ ].
std::optional<ParsedMath> Parser::parse_matrix() {
  char wrapper = 0;
  if (peek() == '(' || peek() == '[') {
    wrapper = peek() == '(' ? ')' : ']';
    ++pos_;
    skip_spaces();
  }
  if (!starts_with("\\begin{")) return std::nullopt;
  const size_t name_end = text_.find('}', pos_);
  if (name_end == std::string_view::npos) return std::nullopt;
  const std::string_view name = text_.substr(pos_ + 7, name_end - pos_ - 7);
  if (!is_matrix_environment(name)) return std::nullopt;
  pos_ = name_end + 1;
  std::vector<int> entries;
  size_t columns = 0, in_row = 0;
  while (true) {
    skip_spaces();
    if (starts_with("\\end{")) break;
    entries.push_back(parse_relation());
    ++in_row;
    skip_spaces();
    if (failed_) return std::nullopt;
    if (peek() == '&') {
      ++pos_;
      continue;
    }
    // A row ends at \cr or at \end; all rows have the same width.
    if (at_command("cr")) {
      pos_ += 3;
    } else if (!starts_with("\\end{")) {
      return std::nullopt;
    }
    if (columns == 0) columns = in_row;
    if (in_row != columns) return std::nullopt;
    in_row = 0;
  }
  const std::string end_tag = "\\end{" + std::string(name) + "}";
  if (!starts_with(end_tag) || entries.empty() || in_row != 0) return std::nullopt;
  pos_ += end_tag.size();
  skip_spaces();
  if (wrapper != 0) {
    if (peek() != wrapper) return std::nullopt;
    ++pos_;
    skip_spaces();
  }
  if (!at_end()) return std::nullopt;
  out_.items = std::move(entries);
  out_.is_list = true;
  out_.open = 'M';
  out_.columns = columns;
  if (!expand_plus_minus(out_)) return std::nullopt;
  return std::move(out_);
}

// "\begin{" at the cursor, perhaps after "(" or "[" (\left(\begin{matrix} ... \right)).
bool Parser::at_matrix() const {
  size_t at = pos_;
  if (at < text_.size() && (text_[at] == '(' || text_[at] == '[')) ++at;
  while (at < text_.size() && text_[at] == ' ') ++at;
  return text_.substr(at).starts_with("\\begin{");
}

// \emptyset, \varnothing, \{\} as the whole (rest of the) answer.
bool Parser::parse_empty_set() {
  std::string_view rest = text_.substr(pos_, trimmed_end() - pos_);
  std::string compact;
  for (char c : rest) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  if (compact != "\\emptyset" && compact != "\\varnothing" && compact != "\\{\\}") return false;
  out_.is_list = true;
  out_.open = '{';
  out_.close = '}';
  pos_ = text_.size();
  return true;
}

// "x = (1, 2)" and "x \in [0, 1]" answer with the list: skip "<variable> = " or
// "<variable> \in " when a bracket, a matrix or the empty set follows (math-verify compares the
// right-hand side).
void Parser::skip_variable_prefix() {
  size_t at = pos_;
  if (at >= text_.size() || !is_letter(text_[at])) return;
  ++at;
  if (at < text_.size() && text_[at] == '_') {
    at += 1;
    while (at < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at])) ||
                                 text_[at] == '{' || text_[at] == '}')) {
      ++at;
    }
  }
  while (at < text_.size() && text_[at] == ' ') ++at;
  if (at < text_.size() && text_[at] == '=') {
    ++at;
  } else if (text_.substr(at).starts_with("\\in") &&
             (at + 3 >= text_.size() || !is_letter(text_[at + 3]))) {
    at += 3;
  } else {
    return;
  }
  while (at < text_.size() && text_[at] == ' ') ++at;
  size_t length = 0;
  const std::string_view rest = text_.substr(at);
  if (opener_at(at, &length) != 0 || rest.starts_with("\\begin{") ||
      rest.starts_with("\\emptyset") || rest.starts_with("\\varnothing")) {
    pos_ = at;
  }
}

size_t Parser::trimmed_end() const {
  size_t end = text_.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(text_[end - 1]))) --end;
  return end;
}

char Parser::opener_at(size_t at, size_t* length) const {
  if (at < text_.size() && (text_[at] == '(' || text_[at] == '[')) {
    *length = 1;
    return text_[at];
  }
  if (text_.substr(at).starts_with("\\{")) {
    *length = 2;
    return '{';
  }
  return 0;
}

// Position of the bracket closing the one at `at`, counting ( [ \{ against ) ] \} so that
// half-open intervals "(0, 1]" match; plain { } nest separately. npos when unbalanced.
size_t Parser::matching_close(size_t at, size_t* length) const {
  int depth = 0;
  int braces = 0;
  for (size_t i = at; i < text_.size(); ++i) {
    char c = text_[i];
    if (c == '\\' && i + 1 < text_.size() && (text_[i + 1] == '{' || text_[i + 1] == '}')) {
      depth += text_[i + 1] == '{' ? 1 : -1;
      if (depth == 0) {
        *length = 2;
        return i;
      }
      ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (braces != 0) continue;
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') {
      if (--depth == 0) {
        *length = 1;
        return i;
      }
    }
  }
  return std::string_view::npos;
}

std::optional<ParsedMath> parse_math(std::string_view text, const ParseOptions& options) {
  // Final answers are short (the longest MATH-500 answer has 159 characters); anything much
  // longer is prose, and a bound on the length bounds the tree depth evaluation recurses over.
  if (text.size() > kMaxAnswerLength) return std::nullopt;
  return Parser(text, options).parse_answer();
}

}  // namespace r1forge::math
