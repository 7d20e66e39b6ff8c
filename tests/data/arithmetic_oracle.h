// Test oracle for the arithmetic task: evaluates "7+5-8" left to right, independently of the
// generator (data/tasks/arithmetic.h), optionally returning the operands.
// Not here: the generator's own arithmetic.
#pragma once

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace r1forge::testing {

inline int64_t evaluate_arithmetic(const std::string& expression,
                                   std::vector<int64_t>* operands = nullptr) {
  int64_t value = 0, current = 0;
  char op = '+';
  for (size_t i = 0; i <= expression.size(); ++i) {
    if (i < expression.size() && std::isdigit(static_cast<unsigned char>(expression[i]))) {
      current = current * 10 + (expression[i] - '0');
      continue;
    }
    value += op == '+' ? current : -current;
    if (operands) operands->push_back(current);
    current = 0;
    if (i < expression.size()) op = expression[i];
  }
  return value;
}

}  // namespace r1forge::testing
