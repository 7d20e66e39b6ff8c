// Walks a parsed Jinja template: statements, expressions, scopes, loops and macros; see
// include/r1forge/tokenizer/jinja_interpreter.h.
#include "r1forge/tokenizer/jinja_interpreter.h"

#include <algorithm>
#include <map>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/jinja_builtins.h"
#include "r1forge/tokenizer/jinja_operators.h"

namespace r1forge::jinja {

namespace {

// A TemplateError with the line of the innermost node it passed through.
struct LocatedError {
  std::string message;
  int line = 0;
  bool raised = false;
};

enum class Flow { NORMAL, BREAK, CONTINUE };

using Scope = std::map<std::string, Value>;

class Interpreter {
 public:
  Interpreter(const Template& parsed, const ValueDict& variables, const RenderLimits& limits)
      : template_(parsed), limits_(limits) {
    globals_ = builtin_globals();
    scopes_.emplace_back();
    for (const auto& [name, value] : variables) scopes_.back()[name] = value;
  }

  std::string render() {
    std::string out;
    exec_body(template_.body, out);
    return out;
  }

 private:
  // ---------------------------------------------------------------- statements

  Flow exec_body(const Body& body, std::string& out) {
    for (const StmtPtr& stmt : body) {
      Flow flow = exec(*stmt, out);
      if (flow != Flow::NORMAL) return flow;
    }
    return Flow::NORMAL;
  }

  Flow exec(const Stmt& stmt, std::string& out) {
    try {
      step();
      switch (stmt.kind) {
        case StmtKind::TEXT: append(out, stmt.text); return Flow::NORMAL;
        case StmtKind::OUTPUT: append(out, to_output(eval(*stmt.expr))); return Flow::NORMAL;
        case StmtKind::IF:
          for (size_t i = 0; i < stmt.conditions.size(); ++i) {
            if (eval(*stmt.conditions[i]).truthy()) return exec_body(stmt.bodies[i], out);
          }
          if (stmt.bodies.size() > stmt.conditions.size()) {
            return exec_body(stmt.bodies.back(), out);
          }
          return Flow::NORMAL;
        case StmtKind::FOR: exec_for(stmt, out); return Flow::NORMAL;
        case StmtKind::SET: exec_set(stmt); return Flow::NORMAL;
        case StmtKind::MACRO: scopes_.back()[stmt.name] = make_macro(stmt); return Flow::NORMAL;
        case StmtKind::CALL_BLOCK: {
          const Stmt* block = &stmt;
          Value caller = Value::callable("caller", [this, block](const CallArgs&) {
            return Value::string(render_isolated(block->bodies[0]));
          });
          append(out, to_output(eval_call(*stmt.expr, &caller)));
          return Flow::NORMAL;
        }
        case StmtKind::FILTER_BLOCK: {
          std::string body;
          exec_body(stmt.bodies[0], body);
          append(out, to_output(eval_filter(*stmt.expr, Value::string(body))));
          return Flow::NORMAL;
        }
        case StmtKind::GENERATION: return exec_body(stmt.bodies[0], out);
        case StmtKind::BREAK: return Flow::BREAK;
        case StmtKind::CONTINUE: return Flow::CONTINUE;
      }
    } catch (const TemplateError& error) {
      throw LocatedError{error.message, stmt.line, error.raised};
    }
    return Flow::NORMAL;
  }

  void exec_for(const Stmt& stmt, std::string& out) {
    ValueList items = eval(*stmt.expr).iterate();
    if (!stmt.conditions.empty()) {  // `for x in xs if cond`: loop.* counts kept items only
      ValueList kept;
      for (const Value& item : items) {
        scopes_.emplace_back();
        bind_targets(stmt.targets, item);
        bool keep = eval(*stmt.conditions[0]).truthy();
        scopes_.pop_back();
        if (keep) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      if (stmt.bodies.size() > 1) exec_body(stmt.bodies[1], out);
      return;
    }
    const int64_t length = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < length; ++i) {
      step();  // an iteration costs a step even with an empty body
      scopes_.emplace_back();
      bind_targets(stmt.targets, items[static_cast<size_t>(i)]);
      scopes_.back()["loop"] = loop_object(items, i);
      Flow flow = exec_body(stmt.bodies[0], out);
      scopes_.pop_back();
      if (flow == Flow::BREAK) break;
    }
  }

  Value loop_object(const ValueList& items, int64_t i) {
    const int64_t length = static_cast<int64_t>(items.size());
    ValueDict loop = {
        {"index0", Value::integer(i)},
        {"index", Value::integer(i + 1)},
        {"revindex0", Value::integer(length - i - 1)},
        {"revindex", Value::integer(length - i)},
        {"first", Value::boolean(i == 0)},
        {"last", Value::boolean(i == length - 1)},
        {"length", Value::integer(length)},
        {"depth", Value::integer(1)},
        {"depth0", Value::integer(0)},
        {"previtem", i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined()},
        {"nextitem", i + 1 < length ? items[static_cast<size_t>(i + 1)] : Value::undefined()},
        {"cycle",
         Value::callable("loop.cycle",
                         [i](const CallArgs& args) {
                           if (args.positional.empty())
                             throw TemplateError{"loop.cycle() needs an argument"};
                           return args.positional[static_cast<size_t>(i) % args.positional.size()];
                         })},
    };
    return Value::dict(std::move(loop));
  }

  void bind_targets(const std::vector<std::string>& targets, const Value& value) {
    if (targets.size() == 1) {
      scopes_.back()[targets[0]] = value;
      return;
    }
    ValueList parts = value.iterate();
    if (parts.size() != targets.size()) {
      throw TemplateError{"cannot unpack " + std::to_string(parts.size()) + " values into " +
                          std::to_string(targets.size()) + " names"};
    }
    for (size_t i = 0; i < targets.size(); ++i) scopes_.back()[targets[i]] = parts[i];
  }

  void exec_set(const Stmt& stmt) {
    Value value;
    if (stmt.expr) {
      value = eval(*stmt.expr);
    } else {
      std::string body;
      exec_body(stmt.bodies[0], body);
      value = Value::string(body);
    }
    if (!stmt.target_attribute.empty()) {
      Value object = lookup(stmt.targets[0]);
      if (object.kind() != ValueKind::NAMESPACE) {
        throw TemplateError{"cannot assign attribute on non-namespace object '" + stmt.targets[0] +
                            "'"};
      }
      if (stmt.target_attribute[0] == '_') {  // transformers' TemplateNamespace refuses these
        throw TemplateError{
            "chat templates cannot store underscore-prefixed attributes on a "
            "namespace, got '" +
            stmt.target_attribute + "'"};
      }
      ValueDict& attributes = object.namespace_attributes();
      for (auto& [name, existing] : attributes) {
        if (name == stmt.target_attribute) {
          existing = value;
          return;
        }
      }
      attributes.emplace_back(stmt.target_attribute, value);
      return;
    }
    bind_targets(stmt.targets, value);
  }

  // A macro: called with positional/keyword arguments (and `caller` from a call block), it
  // renders its body in a fresh scope over the template's top-level variables.
  Value make_macro(const Stmt& stmt) {
    const Stmt* macro = &stmt;
    return Value::callable(stmt.name, [this, macro](const CallArgs& args) {
      if (depth_ >= limits_.max_call_depth) {
        throw TemplateError{"macro calls nested deeper than " +
                            std::to_string(limits_.max_call_depth)};
      }
      const auto& names = macro->targets;
      Scope local;
      ValueList extra_positional;
      for (size_t i = 0; i < args.positional.size(); ++i) {
        if (i < names.size())
          local[names[i]] = args.positional[i];
        else
          extra_positional.push_back(args.positional[i]);
      }
      ValueDict extra_keywords;
      for (const auto& [name, value] : args.keyword) {
        bool is_parameter = std::find(names.begin(), names.end(), name) != names.end();
        if (is_parameter || name == "caller")
          local[name] = value;
        else
          extra_keywords.emplace_back(name, value);
      }
      if (!extra_positional.empty() || !extra_keywords.empty()) {
        throw TemplateError{"macro '" + macro->name + "' got unexpected arguments"};
      }
      std::vector<Scope> saved = std::move(scopes_);
      scopes_ = {saved.front(), Scope()};
      ++depth_;
      std::string out;
      try {
        for (size_t i = 0; i < names.size(); ++i) {
          if (local.count(names[i])) continue;
          local[names[i]] = macro->defaults[i] ? eval(*macro->defaults[i]) : Value::undefined();
        }
        scopes_.back() = local;
        exec_body(macro->bodies[0], out);
      } catch (...) {
        --depth_;
        saved.front() = scopes_.front();
        scopes_ = std::move(saved);
        throw;
      }
      --depth_;
      saved.front() = scopes_.front();
      scopes_ = std::move(saved);
      return Value::string(out);
    });
  }

  // A call block's body rendered as caller(): in its own scope, breaks not allowed through.
  std::string render_isolated(const Body& body) {
    scopes_.emplace_back();
    std::string out;
    try {
      exec_body(body, out);
    } catch (...) {
      scopes_.pop_back();
      throw;
    }
    scopes_.pop_back();
    return out;
  }

  // ---------------------------------------------------------------- expressions

  Value eval(const Expr& expr) {
    try {
      step();
      return eval_unchecked(expr);
    } catch (const TemplateError& error) {
      throw LocatedError{error.message, expr.line, error.raised};
    }
  }

  Value eval_unchecked(const Expr& expr) {
    const auto& operands = expr.operands;
    switch (expr.kind) {
      case ExprKind::LITERAL: return expr.literal;
      case ExprKind::NAME: return lookup(expr.name);
      case ExprKind::LIST:
      case ExprKind::TUPLE: {
        ValueList items;
        for (const ExprPtr& operand : operands) items.push_back(eval(*operand));
        return Value::list(std::move(items), expr.kind == ExprKind::TUPLE);
      }
      case ExprKind::DICT: {
        ValueDict items;
        for (size_t i = 0; i + 1 < operands.size(); i += 2) {
          Value key = eval(*operands[i]);
          if (!key.is_string()) throw TemplateError{"dict literal keys must be strings here"};
          Value value = eval(*operands[i + 1]);
          bool replaced = false;
          for (auto& item : items) {
            if (item.first == key.as_string()) {
              item.second = value;
              replaced = true;
            }
          }
          if (!replaced) items.emplace_back(key.as_string(), value);
        }
        return Value::dict(std::move(items));
      }
      case ExprKind::ATTRIBUTE: return get_attribute(eval(*operands[0]), expr.name);
      case ExprKind::SUBSCRIPT: return get_item(eval(*operands[0]), eval(*operands[1]));
      case ExprKind::SLICE: {
        Value parts[3];
        for (int i = 0; i < 3; ++i) {
          if (operands[i + 1]) parts[i] = eval(*operands[i + 1]);
        }
        return slice_value(eval(*operands[0]), parts[0], parts[1], parts[2]);
      }
      case ExprKind::CALL: return eval_call(expr, nullptr);
      case ExprKind::FILTER: return eval_filter(expr, eval(*operands[0]));
      case ExprKind::TEST: {
        Value target = eval(*operands[0]);
        bool result = apply_test(expr.name, target, eval_arguments(expr, 1));
        return Value::boolean(result != expr.negated);
      }
      case ExprKind::NEGATE:
      case ExprKind::PLUS: {
        Value value = eval(*operands[0]);
        if (!value.is_number()) {
          throw TemplateError{"bad operand type for unary " +
                              std::string(expr.kind == ExprKind::NEGATE ? "-" : "+") + ": '" +
                              value.type_name() + "'"};
        }
        if (expr.kind == ExprKind::PLUS) {
          return value.kind() == ValueKind::BOOL ? Value::integer(value.as_int()) : value;
        }
        return value.kind() == ValueKind::FLOAT ? Value::number(-value.as_float())
                                                : Value::integer(-value.as_int());
      }
      case ExprKind::NOT: return Value::boolean(!eval(*operands[0]).truthy());
      case ExprKind::AND: {
        Value left = eval(*operands[0]);
        return left.truthy() ? eval(*operands[1]) : left;
      }
      case ExprKind::OR: {
        Value left = eval(*operands[0]);
        return left.truthy() ? left : eval(*operands[1]);
      }
      case ExprKind::BINARY:
        return binary_operator(expr.name, eval(*operands[0]), eval(*operands[1]));
      case ExprKind::COMPARE: {
        Value left = eval(*operands[0]);
        for (size_t i = 0; i < expr.ops.size(); ++i) {
          Value right = eval(*operands[i + 1]);
          if (!compare(expr.ops[i], left, right)) return Value::boolean(false);
          left = std::move(right);
        }
        return Value::boolean(true);
      }
      case ExprKind::CONDITIONAL:
        if (eval(*operands[1]).truthy()) return eval(*operands[0]);
        return operands[2] ? eval(*operands[2]) : Value::undefined();
    }
    return Value::undefined();
  }

  static bool compare(const std::string& op, const Value& left, const Value& right) {
    if (op == "==") return values_equal(left, right);
    if (op == "!=") return !values_equal(left, right);
    if (op == "<") return value_less(left, right);
    if (op == ">") return value_less(right, left);
    if (op == "<=") return !value_less(right, left);
    if (op == ">=") return !value_less(left, right);
    if (op == "in") return contains(right, left);
    return !contains(right, left);  // notin
  }

  CallArgs eval_arguments(const Expr& expr, size_t first_operand) {
    CallArgs args;
    for (size_t i = first_operand; i < expr.operands.size(); ++i) {
      args.positional.push_back(eval(*expr.operands[i]));
    }
    for (const auto& [name, operand] : expr.keywords) {
      args.keyword.emplace_back(name, eval(*operand));
    }
    return args;
  }

  Value eval_call(const Expr& expr, const Value* caller) {
    Value callee = eval(*expr.operands[0]);
    CallArgs args = eval_arguments(expr, 1);
    if (caller != nullptr) args.keyword.emplace_back("caller", *caller);
    if (callee.is_undefined()) {
      const Expr& target = *expr.operands[0];
      std::string what = target.kind == ExprKind::NAME        ? "function '" + target.name + "'"
                         : target.kind == ExprKind::ATTRIBUTE ? "method '" + target.name + "'"
                                                              : std::string("callable");
      throw TemplateError{"unknown " + what};
    }
    return callee.call(args);
  }

  Value eval_filter(const Expr& expr, const Value& target) {
    return apply_filter(expr.name, target, eval_arguments(expr, 1));
  }

  Value lookup(const std::string& name) const {
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      auto found = scope->find(name);
      if (found != scope->end()) return found->second;
    }
    auto global = globals_.find(name);
    return global != globals_.end() ? global->second : Value::undefined();
  }

  void step() {
    if (++steps_ > limits_.max_steps) {
      throw TemplateError{"rendering exceeded " + std::to_string(limits_.max_steps) +
                          " evaluation steps (a loop that does not end?)"};
    }
  }

  void append(std::string& out, const std::string& text) const {
    if (out.size() + text.size() > limits_.max_output_bytes) {
      throw TemplateError{"rendered text exceeds " + std::to_string(limits_.max_output_bytes) +
                          " bytes"};
    }
    out += text;
  }

  const Template& template_;
  const RenderLimits limits_;
  std::map<std::string, Value> globals_;
  std::vector<Scope> scopes_;
  int64_t steps_ = 0;
  int depth_ = 0;
};

}  // namespace

std::string render_template(const Template& parsed,
                            const ValueDict& variables,
                            const RenderLimits& limits) {
  try {
    return Interpreter(parsed, variables, limits).render();
  } catch (const LocatedError& error) {
    if (error.raised) {
      R1F_THROW(DataError, parsed.origin, ":", error.line, ": raise_exception: ", error.message);
    }
    R1F_THROW(ConfigError, parsed.origin, ":", error.line, ": ", error.message);
  }
}

}  // namespace r1forge::jinja
