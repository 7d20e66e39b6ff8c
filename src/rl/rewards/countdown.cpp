// The `countdown` reward; see include/r1forge/rl/rewards/countdown.h.
#include "r1forge/rl/rewards/countdown.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include "r1forge/rl/rewards/math_answer.h"
#include "r1forge/rl/rewards/metadata.h"

namespace r1forge {
namespace {

// expression := term (('+' | '-') term)*
// term       := factor (('*' | '/') factor)*
// factor     := ('+' | '-') factor | number | '(' expression ')'
class EquationParser {
 public:
  explicit EquationParser(std::string_view text) : text_(text) {}

  std::optional<CountdownEquation> parse() {
    double value = expression();
    skip_spaces();
    if (failed_ || pos_ != text_.size() || !std::isfinite(value)) return std::nullopt;
    return CountdownEquation{value, std::move(numbers_)};
  }

 private:
  static constexpr int kMaxDepth = 100;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  std::vector<int64_t> numbers_;

  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char peek() {
    skip_spaces();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  double fail() {
    failed_ = true;
    return 0;
  }

  double expression() {
    double value = term();
    while (!failed_ && (peek() == '+' || peek() == '-')) {
      char op = text_[pos_++];
      double rhs = term();
      value = op == '+' ? value + rhs : value - rhs;
    }
    return value;
  }

  double term() {
    double value = factor();
    while (!failed_ && (peek() == '*' || peek() == '/')) {
      char op = text_[pos_++];
      if (peek() == op) return fail();  // Python's ** and // are not Countdown operators
      double rhs = factor();
      if (op == '*') {
        value *= rhs;
      } else {
        if (rhs == 0) return fail();
        value /= rhs;
      }
    }
    return value;
  }

  double factor() {
    if (++depth_ > kMaxDepth) return fail();
    double value = 0;
    char c = peek();
    if (c == '+' || c == '-') {
      ++pos_;
      value = c == '-' ? -factor() : factor();
    } else if (c == '(') {
      ++pos_;
      value = expression();
      if (peek() != ')') return fail();
      ++pos_;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      int64_t number = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (__builtin_mul_overflow(number, int64_t{10}, &number) ||
            __builtin_add_overflow(number, int64_t{text_[pos_] - '0'}, &number)) {
          return fail();
        }
        ++pos_;
      }
      numbers_.push_back(number);
      value = static_cast<double>(number);
    } else {
      return fail();
    }
    --depth_;
    return value;
  }
};

// metadata.numbers as integers; nullopt if it is not a list of integral numbers.
std::optional<std::vector<int64_t>> read_numbers(const nlohmann::json& field) {
  if (!field.is_array()) return std::nullopt;
  std::vector<int64_t> numbers;
  for (const nlohmann::json& item : field) {
    if (item.is_number_integer()) {
      numbers.push_back(item.get<int64_t>());
    } else if (item.is_number_float() && std::floor(item.get<double>()) == item.get<double>() &&
               std::fabs(item.get<double>()) < 9e15) {
      numbers.push_back(static_cast<int64_t>(item.get<double>()));
    } else {
      return std::nullopt;
    }
  }
  return numbers;
}

class CountdownReward : public RewardFunction {
 public:
  CountdownReward(std::string numbers_field, std::string target_field, double format_score)
      : numbers_field_(std::move(numbers_field)),
        target_field_(std::move(target_field)),
        format_score_(format_score) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      const nlohmann::json* numbers_json = metadata_field(sample, numbers_field_);
      const nlohmann::json* target_json = metadata_field(sample, target_field_);
      std::optional<std::vector<int64_t>> numbers;
      if (numbers_json) numbers = read_numbers(*numbers_json);
      if (!numbers || target_json == nullptr || !target_json->is_number()) {
        ++missing_;
        scores.push_back(std::nullopt);
        continue;
      }
      switch (judge_countdown(sample.completion, *numbers, target_json->get<double>())) {
        case CountdownVerdict::NO_ANSWER: scores.push_back(0.0); break;
        case CountdownVerdict::CORRECT: scores.push_back(1.0); break;
        default: scores.push_back(format_score_); break;
      }
    }
    return scores;
  }
  std::map<std::string, double> diagnostics() const override {
    return {{"missing_fields", static_cast<double>(missing_)}};
  }

 private:
  std::string numbers_field_;
  std::string target_field_;
  double format_score_;
  int64_t missing_ = 0;
};

}  // namespace

std::optional<CountdownEquation> parse_countdown_equation(std::string_view text) {
  return EquationParser(text).parse();
}

CountdownVerdict judge_countdown(std::string_view completion,
                                 const std::vector<int64_t>& numbers,
                                 double target) {
  std::optional<std::string> answer = math::last_answer_tag(completion);
  if (!answer) return CountdownVerdict::NO_ANSWER;
  std::optional<CountdownEquation> equation = parse_countdown_equation(*answer);
  if (!equation) return CountdownVerdict::INVALID;
  std::vector<int64_t> used = equation->numbers, given = numbers;
  std::sort(used.begin(), used.end());
  std::sort(given.begin(), given.end());
  if (used != given) return CountdownVerdict::WRONG_NUMBERS;
  return std::fabs(equation->value - target) < 1e-5 ? CountdownVerdict::CORRECT
                                                    : CountdownVerdict::WRONG_VALUE;
}

const char* const kCountdownHelp =
    "TinyZero Countdown: 1 if the last <answer> equation uses each of metadata[numbers_field] "
    "exactly once and evaluates to metadata[target_field] (|x - target| < 1e-5); format_score "
    "if an answer is present but wrong or invalid; 0 without an answer; none when the fields "
    "are missing. Only digits, + - * / ( ) and spaces. Options: numbers_field (numbers), "
    "target_field (target), format_score (0.1).";

std::unique_ptr<RewardFunction> make_countdown_reward(RewardOptions& options) {
  std::string numbers_field = options.get_string("numbers_field", "numbers");
  std::string target_field = options.get_string("target_field", "target");
  double format_score = options.get_double("format_score", 0.1);
  return std::make_unique<CountdownReward>(std::move(numbers_field), std::move(target_field),
                                           format_score);
}

}  // namespace r1forge
