// Unions of intervals and sets ("(-\infty, -1) \cup (1, \infty)", "\{1\} \cup [2, 3]"), compared
// as math-verify compares sympy sets: as sets of real numbers, so the parts' order does not
// matter and touching parts merge ([0, 1/2] \cup [1/2, 1] is [0, 1]). Parts with variables in
// their endpoints compare part by part instead. See math_compare.h.
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>

#include "math_compare.h"
#include "math_evaluate.h"

namespace r1forge::math {
namespace {

// One connected piece of a set of reals: an interval, or a point when lo == hi.
struct Piece {
  long double lo = 0;
  long double hi = 0;
  bool lo_closed = false;
  bool hi_closed = false;
};

bool same(long double a, long double b) {
  return approx_equal(a, b, 1e-9L);
}

std::optional<long double> constant_value(const ParsedMath& math, int item) {
  std::set<std::string> symbols;
  collect_symbols(math, item, &symbols);
  if (!symbols.empty()) return std::nullopt;
  const long double value = evaluate(math, item, {}).approx;
  if (std::isnan(value)) return std::nullopt;
  return value;
}

// Appends the pieces of one part: an interval (a 2-list in ( [ brackets), a set or a scalar
// (points). false when an endpoint or element is not a constant, or the part is a tuple.
bool add_pieces(const ListView& part, std::vector<Piece>* pieces) {
  const bool interval =
      part.is_list && (part.open == '(' || part.open == '[') && part.items.size() == 2;
  if (part.is_list && !interval && part.open != '{' && part.open != 0) return false;
  if (interval) {
    auto lo = constant_value(*part.math, part.items[0]);
    auto hi = constant_value(*part.math, part.items[1]);
    if (!lo || !hi || *lo > *hi) return false;
    Piece piece{*lo, *hi, part.open == '[', part.close == ']'};
    if (!same(*lo, *hi) || (piece.lo_closed && piece.hi_closed)) pieces->push_back(piece);
    return true;
  }
  for (int item : part.items) {
    if (part.math->nodes[item].kind == NodeKind::EQUATION) return false;
    auto value = constant_value(*part.math, item);
    if (!value) return false;
    pieces->push_back({*value, *value, true, true});
  }
  return true;
}

// The set as sorted, disjoint, non-touching pieces; nullopt when it is not all constants.
std::optional<std::vector<Piece>> canonical_set(const std::vector<ListView>& parts) {
  std::vector<Piece> pieces;
  for (const ListView& part : parts) {
    if (!add_pieces(part, &pieces)) return std::nullopt;
  }
  // Exact keys (a tolerance would not be a strict weak order); the merge below uses one.
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    if (a.lo != b.lo) return a.lo < b.lo;
    return a.lo_closed && !b.lo_closed;
  });
  std::vector<Piece> merged;
  for (const Piece& piece : pieces) {
    if (!merged.empty()) {
      Piece& last = merged.back();
      const bool touching = same(piece.lo, last.hi) && (last.hi_closed || piece.lo_closed);
      if (touching || (piece.lo < last.hi && !same(piece.lo, last.hi))) {
        if (same(piece.lo, last.lo)) last.lo_closed = last.lo_closed || piece.lo_closed;
        if (same(piece.hi, last.hi)) {
          last.hi_closed = last.hi_closed || piece.hi_closed;
        } else if (piece.hi > last.hi) {
          last.hi = piece.hi;
          last.hi_closed = piece.hi_closed;
        }
        continue;
      }
    }
    merged.push_back(piece);
  }
  return merged;
}

std::vector<ListView> parts_of(const ParsedMath& math) {
  if (math.open == 'U') return union_part_views(math);
  return {whole_view(math)};
}

// Each part of `from` equals some part of `to`.
bool parts_included(const std::vector<ListView>& from,
                    const std::vector<ListView>& to,
                    bool from_is_gold) {
  for (const ListView& a : from) {
    bool found = false;
    for (const ListView& b : to) {
      found = from_is_gold ? lists_equal(a, b) : lists_equal(b, a);
      if (found) break;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::vector<ListView> union_part_views(const ParsedMath& math) {
  std::vector<ListView> parts;
  for (const UnionPart& part : math.union_parts) {
    ListView view{&math, {}, true, part.open, part.close};
    view.items.assign(math.items.begin() + static_cast<std::ptrdiff_t>(part.first),
                      math.items.begin() + static_cast<std::ptrdiff_t>(part.first + part.count));
    parts.push_back(std::move(view));
  }
  return parts;
}

bool unions_equal(const ParsedMath& gold, const ParsedMath& pred) {
  if (gold.open == 'M' || pred.open == 'M') return false;
  const std::vector<ListView> gold_parts = parts_of(gold), pred_parts = parts_of(pred);
  auto gold_set = canonical_set(gold_parts);
  auto pred_set = canonical_set(pred_parts);
  if (gold_set && pred_set) {
    if (gold_set->size() != pred_set->size()) return false;
    for (size_t i = 0; i < gold_set->size(); ++i) {
      const Piece& a = (*gold_set)[i];
      const Piece& b = (*pred_set)[i];
      if (!same(a.lo, b.lo) || !same(a.hi, b.hi) || a.lo_closed != b.lo_closed ||
          a.hi_closed != b.hi_closed) {
        return false;
      }
    }
    return true;
  }
  if (gold.open != 'U' || pred.open != 'U') return false;
  return parts_included(gold_parts, pred_parts, true) &&
         parts_included(pred_parts, gold_parts, false);
}

}  // namespace r1forge::math
