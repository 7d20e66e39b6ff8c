// The answer grammar's recursive-descent parser; see include/r1forge/rl/rewards/math_parse.h.
#include "r1forge/rl/rewards/math_parse.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "r1forge/rl/rewards/latex_text.h"

namespace r1forge::math {
namespace {

// ---- parsing ------------------------------------------------------------------------------------

const std::set<std::string_view>& function_names() {
  static const std::set<std::string_view> names = {"sin", "cos", "tan", "ln", "log", "exp"};
  return names;
}
const std::set<std::string_view>& greek_names() {
  static const std::set<std::string_view> names = {
      "alpha",    "beta",    "gamma", "delta",  "epsilon", "varepsilon", "zeta", "eta", "theta",
      "vartheta", "iota",    "kappa", "lambda", "mu",      "nu",         "xi",   "rho", "sigma",
      "tau",      "upsilon", "phi",   "varphi", "chi",     "psi",        "omega"};
  return names;
}

constexpr size_t kMaxAnswerLength = 1000;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<ParsedMath> parse_answer() {
    skip_spaces();
    if (at_end()) return std::nullopt;
    skip_variable_prefix();
    // A bracketed list spanning the whole answer: (1, 2), [0, 1), \{1, 2\}.
    size_t open_length = 0;
    char open = opener_at(pos_, &open_length);
    if (open != 0) {
      size_t close_length = 0;
      size_t close_at = matching_close(pos_, &close_length);
      if (close_at != std::string_view::npos && close_at + close_length == trimmed_end()) {
        size_t saved = pos_;
        pos_ += open_length;
        std::vector<int> items = parse_items();
        skip_spaces();
        if (!failed_ && pos_ == close_at && items.size() >= 2) {
          out_.items = std::move(items);
          out_.is_list = true;
          out_.open = open;
          out_.close = closer_char(close_at);
          return std::move(out_);
        }
        // Not a list after all ("(5)", "(1+2)(3)"): parse again as one expression.
        failed_ = false;
        out_ = ParsedMath();
        pos_ = saved;
      }
    }
    std::vector<int> items = parse_items();
    skip_spaces();
    if (failed_ || !at_end() || items.empty()) return std::nullopt;
    out_.is_list = items.size() >= 2;
    out_.items = std::move(items);
    return std::move(out_);
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  bool failed_ = false;
  ParsedMath out_;
  int depth_ = 0;  // nesting of parse_unary / parse_primary calls

  // Bounds the recursion: "((((..." or "-----..." fail instead of exhausting the stack.
  static constexpr int kMaxDepth = 100;
  struct DepthGuard {
    explicit DepthGuard(Parser& parser) : parser(parser) { ++parser.depth_; }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  // "x = (1, 2)" and "x \in [0, 1]" answer with the list: skip "<variable> = " or
  // "<variable> \in " when a bracket follows (math-verify compares the right-hand side).
  void skip_variable_prefix() {
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
    if (opener_at(at, &length) != 0) pos_ = at;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void skip_spaces() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_).starts_with(word); }
  // "\name" at the cursor where name is exactly `word` (not a prefix of a longer command).
  bool at_command(std::string_view word) const {
    if (peek() != '\\' || !text_.substr(pos_ + 1).starts_with(word)) return false;
    return !is_letter(pos_ + 1 + word.size() < text_.size() ? text_[pos_ + 1 + word.size()] : ' ');
  }
  size_t trimmed_end() const {
    size_t end = text_.size();
    while (end > 0 && std::isspace(static_cast<unsigned char>(text_[end - 1]))) --end;
    return end;
  }
  char opener_at(size_t at, size_t* length) const {
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
  char closer_char(size_t at) const { return text_[at] == '\\' ? '}' : text_[at]; }
  // Position of the bracket closing the one at `at`, counting ( [ \{ against ) ] \} so that
  // half-open intervals "(0, 1]" match; plain { } nest separately. npos when unbalanced.
  size_t matching_close(size_t at, size_t* length) const {
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

  int fail() {
    failed_ = true;
    return -1;
  }
  int add(NodeKind kind, std::string text, std::vector<int> children = {}) {
    if (failed_) return -1;
    for (int child : children) {
      if (child < 0) return fail();
    }
    out_.nodes.push_back({kind, std::move(text), std::move(children)});
    return static_cast<int>(out_.nodes.size()) - 1;
  }

  std::vector<int> parse_items() {
    std::vector<int> items;
    while (true) {
      items.push_back(parse_relation());
      if (failed_) return {};
      skip_spaces();
      if (peek() != ',') break;
      ++pos_;
    }
    return items;
  }

  // a = b = c keeps the last side ("x = 5" answers 5), as math-verify compares an assignment
  // with a bare value.
  int parse_relation() {
    int node = parse_sum();
    while (!failed_) {
      skip_spaces();
      if (peek() == '=') {
        ++pos_;
      } else if (at_command("approx")) {
        pos_ += 7;
      } else {
        break;
      }
      node = parse_sum();
    }
    return node;
  }

  int parse_sum() {
    int node = parse_term();
    while (!failed_) {
      skip_spaces();
      char c = peek();
      if (c != '+' && c != '-') break;
      ++pos_;
      node = add(c == '+' ? NodeKind::ADD : NodeKind::SUB, "", {node, parse_term()});
    }
    return node;
  }

  bool starts_factor() const {
    char c = peek();
    if (is_digit(c) || is_letter(c) || c == '(' || c == '[' || c == '{' || c == '.') return true;
    if (c != '\\') return false;
    for (std::string_view word : {"frac", "sqrt", "pi", "infty"}) {
      if (at_command(word)) return true;
    }
    size_t end = pos_ + 1;
    while (end < text_.size() && is_letter(text_[end])) ++end;
    std::string_view name = text_.substr(pos_ + 1, end - pos_ - 1);
    return greek_names().count(name) != 0 || function_names().count(name) != 0;
  }

  int parse_term() {
    int node = parse_unary();
    while (!failed_) {
      skip_spaces();
      NodeKind kind;
      if (peek() == '*') {
        kind = NodeKind::MUL;
        ++pos_;
      } else if (at_command("cdot") || at_command("times")) {
        kind = NodeKind::MUL;
        pos_ += at_command("cdot") ? 5 : 6;
      } else if (peek() == '/') {
        kind = NodeKind::DIV;
        ++pos_;
      } else if (at_command("div")) {
        kind = NodeKind::DIV;
        pos_ += 4;
      } else if (starts_factor()) {
        kind = NodeKind::MUL;  // implicit: 2x, 3\sqrt{2}, 2(3+4)
      } else {
        break;
      }
      node = add(kind, "", {node, parse_unary()});
    }
    return node;
  }

  int parse_unary() {
    DepthGuard guard(*this);
    if (depth_ > kMaxDepth) return fail();
    skip_spaces();
    if (peek() == '-') {
      ++pos_;
      return add(NodeKind::NEGATE, "", {parse_unary()});
    }
    if (peek() == '+') {
      ++pos_;
      return parse_unary();
    }
    return parse_power();
  }

  int parse_power() {
    int node = parse_postfix(parse_primary());
    while (!failed_) {
      skip_spaces();
      if (peek() != '^') break;
      ++pos_;
      node = parse_postfix(add(NodeKind::POW, "", {node, parse_exponent()}));
    }
    return node;
  }

  // 2^{10}, 2^3, x^-1, e^{i\pi}
  int parse_exponent() {
    skip_spaces();
    if (peek() == '{') return parse_group('{', '}');
    if (peek() == '-') {
      ++pos_;
      return add(NodeKind::NEGATE, "", {parse_exponent()});
    }
    if (is_digit(peek())) {
      ++pos_;
      return add(NodeKind::NUMBER, std::string(1, text_[pos_ - 1]));
    }
    return parse_primary();
  }

  int parse_postfix(int node) {
    while (!failed_) {
      skip_spaces();
      if (peek() == '!') {
        ++pos_;
        node = add(NodeKind::FACTORIAL, "", {node});
      } else if (peek() == '%') {
        ++pos_;
        node = add(NodeKind::PERCENT, "", {node});
      } else {
        break;
      }
    }
    return node;
  }

  int parse_group(char open, char close) {
    if (peek() != open) return fail();
    ++pos_;
    int node = parse_relation();
    skip_spaces();
    if (failed_ || (peek() != close && !(open != '{' && (peek() == ')' || peek() == ']')))) {
      return fail();
    }
    ++pos_;
    return node;
  }

  // A \frac or \sqrt argument: {...} or one character (\frac12, \sqrt2).
  int parse_argument() {
    skip_spaces();
    if (peek() == '{') return parse_group('{', '}');
    if (is_digit(peek())) {
      ++pos_;
      return add(NodeKind::NUMBER, std::string(1, text_[pos_ - 1]));
    }
    if (is_letter(peek())) {
      ++pos_;
      return symbol(std::string(1, text_[pos_ - 1]));
    }
    return fail();
  }

  int symbol(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "e") return add(NodeKind::EULER, "");
    if (peek() == '_') {  // x_1, x_{12}
      ++pos_;
      if (peek() == '{') {
        size_t end = text_.find('}', pos_);
        if (end == std::string_view::npos) return fail();
        name.push_back('_');
        name.append(text_.substr(pos_ + 1, end - pos_ - 1));
        pos_ = end + 1;
      } else if (!at_end()) {
        name.push_back('_');
        name.push_back(text_[pos_++]);
      }
    }
    return add(NodeKind::SYMBOL, name);
  }

  int parse_number() {
    size_t start = pos_;
    std::string digits;
    while (is_digit(peek())) digits += text_[pos_++];
    // Thousands separators: 1,000 and 12,345,678 (a first group of 1-3 digits, no leading 0).
    if (!digits.empty() && digits.size() <= 3 && digits[0] != '0') {
      while (peek() == ',' && is_digit(peek(1)) && is_digit(peek(2)) && is_digit(peek(3)) &&
             !is_digit(peek(4))) {
        digits += text_.substr(pos_ + 1, 3);
        pos_ += 4;
      }
    }
    bool decimal = false;
    if (peek() == '.' && is_digit(peek(1))) {
      decimal = true;
      digits += '.';
      ++pos_;
      while (is_digit(peek())) digits += text_[pos_++];
    }
    if (pos_ == start) return fail();
    if (digits[0] == '.') digits.insert(digits.begin(), '0');
    int number = add(NodeKind::NUMBER, digits);
    // A mixed number, 3\frac{1}{2} or 3 \frac{1}{2} = 7/2, as latex2sympy reads it; but
    // 2\frac{1}{2}x is a product, 2 * 1/2 * x.
    const size_t after_number = pos_;
    skip_spaces();
    if (!decimal && at_command("frac")) {
      pos_ += 5;
      int numerator = parse_argument();
      int fraction = add(NodeKind::DIV, "", {numerator, parse_argument()});
      skip_spaces();
      return add(starts_factor() ? NodeKind::MUL : NodeKind::ADD, "", {number, fraction});
    }
    pos_ = after_number;
    return number;
  }

  int parse_command() {
    size_t end = pos_ + 1;
    while (end < text_.size() && is_letter(text_[end])) ++end;
    std::string name(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end;
    if (name == "frac") {
      int numerator = parse_argument();
      return add(NodeKind::DIV, "", {numerator, parse_argument()});
    }
    if (name == "sqrt") {
      skip_spaces();
      int index = -1;
      if (peek() == '[') {
        index = parse_group('[', ']');
        if (failed_) return -1;
      }
      int radicand = parse_argument();
      if (index < 0) return add(NodeKind::SQRT, "", {radicand});
      return add(NodeKind::SQRT, "", {radicand, index});
    }
    if (name == "pi") return add(NodeKind::PI, "");
    if (name == "infty") return add(NodeKind::INFINITE, "");
    if (greek_names().count(name)) return add(NodeKind::SYMBOL, name);
    if (function_names().count(name)) return function(name);
    return fail();  // \text, \pm, \le, \cup, ... are not part of this grammar
  }

  int function(const std::string& name) {
    skip_spaces();
    if (peek() == '^') return fail();  // \sin^2 x
    int argument = (peek() == '(' || peek() == '{') ? parse_group(peek(), peek() == '(' ? ')' : '}')
                                                    : parse_power();
    return add(NodeKind::FUNCTION, name, {argument});
  }

  int parse_primary() {
    DepthGuard guard(*this);
    if (depth_ > kMaxDepth) return fail();
    skip_spaces();
    char c = peek();
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return parse_number();
    if (is_letter(c)) {
      size_t end = pos_;
      while (end < text_.size() && is_letter(text_[end])) ++end;
      std::string_view run = text_.substr(pos_, end - pos_);
      if (function_names().count(run)) {
        pos_ = end;
        return function(std::string(run));
      }
      // A word ("Paris") is not math: the caller compares the answer as text. Two letters are
      // a product of variables ("xy"), as sympy reads them.
      if (run.size() >= 3) return fail();
      ++pos_;
      return symbol(std::string(run.substr(0, 1)));
    }
    if (c == '(' || c == '[') return parse_group(c, c == '(' ? ')' : ']');
    if (c == '{') return parse_group('{', '}');
    if (c == '|') {
      ++pos_;
      int inner = parse_sum();
      skip_spaces();
      if (peek() != '|') return fail();
      ++pos_;
      return add(NodeKind::FUNCTION, "abs", {inner});
    }
    if (c == '\\') return parse_command();
    return fail();
  }
};

}  // namespace

std::optional<ParsedMath> parse_math(std::string_view text) {
  // Final answers are short (the longest MATH-500 answer has 159 characters); anything much
  // longer is prose, and a bound on the length bounds the tree depth evaluation recurses over.
  if (text.size() > kMaxAnswerLength) return std::nullopt;
  return Parser(text).parse_answer();
}

}  // namespace r1forge::math
