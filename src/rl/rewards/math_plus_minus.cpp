// \pm and \mp in a parsed answer: each item holding them becomes its variants, as latex2sympy
// reads "1 \pm \sqrt{2}" as the set {1 - sqrt(2), 1 + sqrt(2)} and "\pm 3" as {-3, 3}.
// See math_parser.h.
#include "math_parser.h"

namespace r1forge::math {
namespace {

// Up to 2^3 variants of one item: enough for any answer, bounded for any input.
constexpr int kMaxPlusMinus = 3;

int count_plus_minus(const ParsedMath& math, int index) {
  const Node& node = math.nodes[index];
  int count = node.kind == NodeKind::PLUS_MINUS ? 1 : 0;
  for (int child : node.children) count += count_plus_minus(math, child);
  return count;
}

// Appends a copy of the tree at `index` with the n-th \pm (in pre-order) read as minus when bit
// n of `minus_signs` is set, else as plus; returns the copy's root.
int copy_resolved(ParsedMath& math, int index, unsigned minus_signs, int* next_sign) {
  Node node = math.nodes[index];  // a copy: push_back below may move the nodes
  const bool minus =
      node.kind == NodeKind::PLUS_MINUS && ((minus_signs >> (*next_sign)++) & 1u) != 0;
  std::vector<int> children;
  for (int child : node.children) {
    children.push_back(copy_resolved(math, child, minus_signs, next_sign));
  }
  if (node.kind == NodeKind::PLUS_MINUS) {
    if (children.size() == 1) {  // \pm x
      if (!minus) return children[0];
      math.nodes.push_back({NodeKind::NEGATE, "", children});
    } else {  // a \pm b
      math.nodes.push_back({minus ? NodeKind::SUB : NodeKind::ADD, "", children});
    }
  } else {
    node.children = std::move(children);
    math.nodes.push_back(std::move(node));
  }
  return static_cast<int>(math.nodes.size()) - 1;
}

}  // namespace

bool expand_plus_minus(ParsedMath& math) {
  std::vector<int> items;
  bool expanded = false;
  for (int item : math.items) {
    const int count = count_plus_minus(math, item);
    if (count == 0) {
      items.push_back(item);
      continue;
    }
    if (count > kMaxPlusMinus) return false;
    expanded = true;
    for (unsigned signs = 0; signs < (1u << count); ++signs) {
      int next_sign = 0;
      items.push_back(copy_resolved(math, item, signs, &next_sign));
    }
  }
  if (!expanded) return true;
  // Only a scalar, a bare list or a set can become a set of variants.
  if (math.is_list && math.open != 0 && math.open != '{') return false;
  math.items = std::move(items);
  math.is_list = true;
  return true;
}

}  // namespace r1forge::math
