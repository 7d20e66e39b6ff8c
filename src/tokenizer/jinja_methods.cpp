// Built-in methods of str and dict values (Python semantics) and the globals every render sees
// (namespace, range, dict, raise_exception, strftime_now); see
// include/r1forge/tokenizer/jinja_builtins.h.
#include <algorithm>
#include <cctype>
#include <ctime>

#include "r1forge/tokenizer/jinja_builtins.h"
#include "r1forge/tokenizer/jinja_operators.h"

namespace r1forge::jinja {

namespace {

// jinja2's sandbox refuses range() longer than this (sandbox.MAX_RANGE).
constexpr int64_t kMaxRange = 100000;

bool python_space(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
         c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
         c == 0x202f || c == 0x205f || c == 0x3000;
}

// Positional argument i or keyword `name`; undefined when neither is given.
Value argument(const CallArgs& args, size_t index, const char* name) {
  if (index < args.positional.size()) return args.positional[index];
  for (const auto& [key, value] : args.keyword) {
    if (key == name) return value;
  }
  return Value::undefined();
}

std::string string_argument(const CallArgs& args, size_t index, const char* name) {
  Value value = argument(args, index, name);
  if (!value.is_string()) {
    throw TemplateError{std::string("argument '") + name + "' must be a string, not " +
                        value.type_name()};
  }
  return value.as_string();
}

// str.split / str.rsplit with Python's rules: no separator splits on whitespace runs and drops
// empty pieces; maxsplit < 0 is unlimited.
ValueList split(const std::string& text,
                const Value& separator,
                int64_t maxsplit,
                bool from_right) {
  std::vector<std::string> pieces;
  if (separator.is_undefined() || separator.is_none()) {
    std::u32string s = utf8_decode(text);
    std::vector<std::u32string> words;
    if (!from_right) {
      size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && python_space(s[i])) ++i;
        if (i >= s.size()) break;
        if (maxsplit >= 0 && static_cast<int64_t>(words.size()) == maxsplit) {
          words.push_back(s.substr(i));  // Python keeps the rest's trailing whitespace
          break;
        }
        size_t j = i;
        while (j < s.size() && !python_space(s[j])) ++j;
        words.push_back(s.substr(i, j - i));
        i = j;
      }
    } else {
      size_t i = s.size();
      while (i > 0) {
        while (i > 0 && python_space(s[i - 1])) --i;
        if (i == 0) break;
        if (maxsplit >= 0 && static_cast<int64_t>(words.size()) == maxsplit) {
          words.push_back(s.substr(0, i));  // and the rest's leading whitespace
          break;
        }
        size_t j = i;
        while (j > 0 && !python_space(s[j - 1])) --j;
        words.push_back(s.substr(j, i - j));
        i = j;
      }
      std::reverse(words.begin(), words.end());
    }
    for (const auto& word : words) pieces.push_back(utf8_encode(word));
  } else {
    if (!separator.is_string()) throw TemplateError{"split separator must be a string"};
    const std::string& sep = separator.as_string();
    if (sep.empty()) throw TemplateError{"empty separator"};
    if (!from_right) {
      size_t start = 0;
      while (true) {
        size_t found = text.find(sep, start);
        if (found == std::string::npos ||
            (maxsplit >= 0 && static_cast<int64_t>(pieces.size()) == maxsplit)) {
          pieces.push_back(text.substr(start));
          break;
        }
        pieces.push_back(text.substr(start, found - start));
        start = found + sep.size();
      }
    } else {
      size_t end = text.size();
      while (true) {
        size_t found = end >= sep.size() ? text.rfind(sep, end - sep.size()) : std::string::npos;
        if (found == std::string::npos ||
            (maxsplit >= 0 && static_cast<int64_t>(pieces.size()) == maxsplit)) {
          pieces.push_back(text.substr(0, end));
          break;
        }
        pieces.push_back(text.substr(found + sep.size(), end - found - sep.size()));
        end = found;
      }
      std::reverse(pieces.begin(), pieces.end());
    }
  }
  ValueList out;
  for (auto& piece : pieces) out.push_back(Value::string(std::move(piece)));
  return out;
}

std::string replace_all(const std::string& text,
                        const std::string& old_text,
                        const std::string& new_text,
                        int64_t count) {
  std::string out;
  if (old_text.empty()) {  // Python inserts new_text around every character
    std::u32string s = utf8_decode(text);
    int64_t done = 0;
    for (char32_t c : s) {
      if (count < 0 || done < count) {
        out += new_text;
        ++done;
      }
      out += utf8_encode({c});
    }
    if (count < 0 || done < count) out += new_text;
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t found = text.find(old_text, start);
    if (found == std::string::npos) break;
    out += text.substr(start, found - start) + new_text;
    start = found + old_text.size();
    ++done;
  }
  return out + text.substr(start);
}

bool affix_matches(const std::string& text, const Value& affix, bool prefix) {
  auto one = [&](const Value& candidate) {
    if (!candidate.is_string()) throw TemplateError{"startswith/endswith takes a string or tuple"};
    const std::string& a = candidate.as_string();
    if (a.size() > text.size()) return false;
    return prefix ? text.compare(0, a.size(), a) == 0
                  : text.compare(text.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_list()) {
    for (const Value& candidate : affix.as_list()) {
      if (one(candidate)) return true;
    }
    return false;
  }
  return one(affix);
}

int64_t int_argument(const CallArgs& args, size_t index, const char* name, int64_t fallback) {
  Value value = argument(args, index, name);
  if (value.is_undefined() || value.is_none()) return fallback;
  if (value.kind() != ValueKind::INT) throw TemplateError{std::string(name) + " must be an int"};
  return value.as_int();
}

// str.format with automatic/explicit positional and keyword fields; no format specs.
std::string format(const std::string& text, const CallArgs& args) {
  std::string out;
  size_t next_auto = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      size_t close = text.find('}', i);
      if (close == std::string::npos) throw TemplateError{"single '{' in format string"};
      std::string field = text.substr(i + 1, close - i - 1);
      if (field.find_first_of(":!.[") != std::string::npos) {
        throw TemplateError{"format specs and conversions are not supported in str.format"};
      }
      Value value;
      if (field.empty()) {
        value = argument(args, next_auto++, "");
      } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
        value = argument(args, std::stoul(field), "");
      } else {
        value = argument(args, args.positional.size(), field.c_str());
      }
      out += to_output(value);
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

Value string_method(const std::string& text, const std::string& name, const CallArgs& args) {
  if (name == "split" || name == "rsplit") {
    return Value::list(split(text, argument(args, 0, "sep"), int_argument(args, 1, "maxsplit", -1),
                             name == "rsplit"));
  }
  if (name == "strip") return Value::string(python_strip(text, argument(args, 0, "chars"), 1, 1));
  if (name == "lstrip") return Value::string(python_strip(text, argument(args, 0, "chars"), 1, 0));
  if (name == "rstrip") return Value::string(python_strip(text, argument(args, 0, "chars"), 0, 1));
  if (name == "startswith") return Value::boolean(affix_matches(text, argument(args, 0, ""), true));
  if (name == "endswith") return Value::boolean(affix_matches(text, argument(args, 0, ""), false));
  if (name == "upper") return Value::string(ascii_upper(text));
  if (name == "lower") return Value::string(ascii_lower(text));
  if (name == "replace") {
    return Value::string(replace_all(text, string_argument(args, 0, "old"),
                                     string_argument(args, 1, "new"),
                                     int_argument(args, 2, "count", -1)));
  }
  if (name == "find" || name == "rfind" || name == "count") {
    const std::string needle = string_argument(args, 0, "sub");
    if (name == "count") {
      if (needle.empty()) return Value::integer(static_cast<int64_t>(utf8_decode(text).size()) + 1);
      int64_t found = 0;
      for (size_t p = text.find(needle); p != std::string::npos;
           p = text.find(needle, p + needle.size())) {
        ++found;
      }
      return Value::integer(found);
    }
    size_t p = name == "find" ? text.find(needle) : text.rfind(needle);
    if (p == std::string::npos) return Value::integer(-1);
    return Value::integer(static_cast<int64_t>(utf8_decode(text.substr(0, p)).size()));
  }
  if (name == "join") {
    std::string out;
    ValueList items = argument(args, 0, "iterable").iterate();
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) throw TemplateError{"str.join expects strings"};
      if (i > 0) out += text;
      out += items[i].as_string();
    }
    return Value::string(out);
  }
  if (name == "title" || name == "capitalize") {
    std::string out = ascii_lower(text);
    bool word_start = true;
    for (size_t i = 0; i < out.size(); ++i) {
      bool letter = std::isalpha(static_cast<unsigned char>(out[i])) != 0;
      bool upper = name == "title" ? word_start && letter : i == 0;
      if (upper) out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
      word_start = !letter;
    }
    return Value::string(out);
  }
  if (name == "splitlines") {
    ValueList lines = split(text, Value::string("\n"), -1, false);
    if (!lines.empty() && lines.back().as_string().empty()) lines.pop_back();
    return Value::list(lines);
  }
  if (name == "format") return Value::string(format(text, args));
  throw TemplateError{"unknown method 'str." + name + "'"};
}

Value dict_method(const Value& dict, const std::string& name, const CallArgs& args) {
  if (name == "get") {
    Value key = argument(args, 0, "key");
    const Value* found = key.is_string() ? dict.find(key.as_string()) : nullptr;
    if (found != nullptr) return *found;
    Value fallback = argument(args, 1, "default");
    return fallback.is_undefined() ? Value::none() : fallback;
  }
  ValueList out;
  for (const auto& [key, value] : dict.as_dict()) {
    if (name == "keys")
      out.push_back(Value::string(key));
    else if (name == "values")
      out.push_back(value);
    else
      out.push_back(Value::list({Value::string(key), value}, /*is_tuple=*/true));
  }
  return Value::list(out);
}

bool is_string_method(const std::string& name) {
  static const char* const kNames[] = {"split",      "rsplit",     "strip", "lstrip", "rstrip",
                                       "startswith", "endswith",   "upper", "lower",  "replace",
                                       "find",       "rfind",      "count", "join",   "title",
                                       "capitalize", "splitlines", "format"};
  for (const char* known : kNames) {
    if (name == known) return true;
  }
  return false;
}

}  // namespace

std::string python_strip(const std::string& text, const Value& chars, bool left, bool right) {
  std::u32string s = utf8_decode(text);
  std::u32string set;
  bool whitespace = chars.is_undefined() || chars.is_none();
  if (!whitespace) {
    if (!chars.is_string()) throw TemplateError{"strip arg must be None or str"};
    set = utf8_decode(chars.as_string());
  }
  auto strip_this = [&](char32_t c) {
    return whitespace ? python_space(c) : set.find(c) != std::u32string::npos;
  };
  size_t begin = 0;
  size_t end = s.size();
  if (left) {
    while (begin < end && strip_this(s[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_this(s[end - 1])) --end;
  }
  return utf8_encode(s.substr(begin, end - begin));
}

std::string ascii_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}
std::string ascii_upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

Value builtin_method(const Value& value, const std::string& name) {
  if (value.is_string() && is_string_method(name)) {
    std::string text = value.as_string();
    return Value::callable("str." + name, [text, name](const CallArgs& args) {
      return string_method(text, name, args);
    });
  }
  if (value.is_dict() && (name == "get" || name == "items" || name == "keys" || name == "values")) {
    return Value::callable("dict." + name, [value, name](const CallArgs& args) {
      return dict_method(value, name, args);
    });
  }
  return Value::undefined();
}

std::map<std::string, Value> builtin_globals() {
  std::map<std::string, Value> globals;
  globals["namespace"] = Value::callable("namespace", [](const CallArgs& args) {
    ValueDict attributes;
    for (const Value& positional : args.positional) {
      if (!positional.is_dict()) throw TemplateError{"namespace() takes keyword arguments"};
      attributes.insert(attributes.end(), positional.as_dict().begin(), positional.as_dict().end());
    }
    for (const auto& [key, value] : args.keyword) attributes.emplace_back(key, value);
    for (const auto& [key, value] : attributes) {
      if (!key.empty() && key[0] == '_') {  // transformers' TemplateNamespace refuses these
        throw TemplateError{
            "chat templates cannot store underscore-prefixed attributes on a "
            "namespace, got '" +
            key + "'"};
      }
    }
    return Value::namespace_object(attributes);
  });
  globals["dict"] = Value::callable("dict", [](const CallArgs& args) {
    ValueDict items = args.positional.empty() || !args.positional[0].is_dict()
                          ? ValueDict()
                          : args.positional[0].as_dict();
    for (const auto& [key, value] : args.keyword) items.emplace_back(key, value);
    return Value::dict(items);
  });
  globals["range"] = Value::callable("range", [](const CallArgs& args) {
    std::vector<int64_t> bounds;
    for (const Value& v : args.positional) {
      if (v.kind() != ValueKind::INT) throw TemplateError{"range() arguments must be integers"};
      bounds.push_back(v.as_int());
    }
    if (bounds.empty() || bounds.size() > 3) throw TemplateError{"range() takes 1 to 3 arguments"};
    int64_t start = bounds.size() == 1 ? 0 : bounds[0];
    int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
    int64_t step = bounds.size() == 3 ? bounds[2] : 1;
    if (step == 0) throw TemplateError{"range() arg 3 must not be zero"};
    ValueList items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (static_cast<int64_t>(items.size()) >= kMaxRange) {
        throw TemplateError{"range too big, the sandbox allows at most " +
                            std::to_string(kMaxRange) + " items"};
      }
      items.push_back(Value::integer(i));
    }
    return Value::list(items);
  });
  globals["raise_exception"] =
      Value::callable("raise_exception", [](const CallArgs& args) -> Value {
        throw TemplateError{to_output(argument(args, 0, "message")), /*raised=*/true};
      });
  globals["strftime_now"] = Value::callable("strftime_now", [](const CallArgs& args) {
    const std::string format_text = string_argument(args, 0, "format");
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char buffer[512];
    size_t written = std::strftime(buffer, sizeof(buffer), format_text.c_str(), &local);
    return Value::string(std::string(buffer, written));
  });
  return globals;
}

}  // namespace r1forge::jinja
