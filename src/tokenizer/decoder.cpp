// tokenizer.json decoders; see include/r1forge/tokenizer/decoder.h.
#include "r1forge/tokenizer/decoder.h"

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/byte_level.h"
#include "r1forge/tokenizer/normalizer.h"
#include "r1forge/tokenizer/onig_regex.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

using nlohmann::json;

int64_t count_member(const json& object, const JsonKey& key, const char* name) {
  const json& value = json_required(object, key, name);
  if (!value.is_number_unsigned()) throw_json_error(key / name, "must be a non-negative integer");
  return value.get<int64_t>();
}

// "<0xHH>" -> the byte, as HF's ByteFallback reads it.
std::optional<uint8_t> byte_token(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int high = hex(token[3]), low = hex(token[4]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<uint8_t>(high * 16 + low);
}

}  // namespace

DecoderSpec parse_decoder(const json& value, const JsonKey& key) {
  DecoderSpec spec;
  spec.key = key;
  const std::string type = json_type_of(value, key);
  if (type == "ByteLevel") {
    spec.kind = DecoderSpec::Kind::BYTE_LEVEL;
  } else if (type == "Replace") {
    spec.kind = DecoderSpec::Kind::REPLACE;
    JsonPattern pattern = parse_json_pattern(json_required(value, key, "pattern"), key / "pattern");
    spec.pattern = pattern.text;
    spec.pattern_is_regex = pattern.is_regex;
    spec.content = json_string_member(value, key, "content");
  } else if (type == "ByteFallback") {
    spec.kind = DecoderSpec::Kind::BYTE_FALLBACK;
  } else if (type == "Fuse") {
    spec.kind = DecoderSpec::Kind::FUSE;
  } else if (type == "Strip") {
    spec.kind = DecoderSpec::Kind::STRIP;
    spec.content = json_string_member(value, key, "content");
    size_t at = 0;
    if (spec.content.empty() || first_invalid_utf8(spec.content) ||
        (next_code_point(spec.content, at), at != spec.content.size()))
      throw_json_error(key / "content", "must be exactly one character");
    spec.start = count_member(value, key, "start");
    spec.stop = count_member(value, key, "stop");
  } else if (type == "Sequence") {
    spec.kind = DecoderSpec::Kind::SEQUENCE;
    const json& list = json_required(value, key, "decoders");
    if (!list.is_array()) throw_json_error(key / "decoders", "must be a list");
    for (size_t i = 0; i < list.size(); ++i)
      spec.children.push_back(parse_decoder(list[i], (key / "decoders")[i]));
  } else {
    throw_json_error(key / "type", "unsupported decoder type '" + type +
                                       "' (supported: ByteLevel, Replace, ByteFallback, Fuse, "
                                       "Strip, Sequence)");
  }
  return spec;
}

Decoder::Decoder(const DecoderSpec& spec) {
  if (spec.kind == DecoderSpec::Kind::SEQUENCE) {
    for (const DecoderSpec& child : spec.children) {
      Decoder inner(child);
      for (Step& step : inner.steps_) steps_.push_back(std::move(step));
    }
    return;
  }
  Step step{spec.kind, spec.pattern, spec.content, nullptr, 0, spec.start, spec.stop};
  if (spec.kind == DecoderSpec::Kind::REPLACE && spec.pattern_is_regex)
    step.regex = std::make_unique<OnigRegex>(spec.pattern, (spec.key / "pattern").where());
  if (spec.kind == DecoderSpec::Kind::STRIP) {
    size_t at = 0;
    step.strip_char = next_code_point(spec.content, at);
  }
  steps_.push_back(std::move(step));
}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;

void Decoder::decode_chain(const Step& step, std::vector<std::string>& tokens) const {
  switch (step.kind) {
    case DecoderSpec::Kind::BYTE_LEVEL: {
      // Per token: its bytes through the alphabet, or its own UTF-8 when a character is outside
      // it (an added token like "<｜User｜>"); then one lossy UTF-8 decode of the whole.
      std::string bytes;
      for (const std::string& token : tokens) {
        if (auto decoded = byte_level_decode(token))
          bytes += *decoded;
        else
          bytes += token;
      }
      tokens.assign(1, utf8_lossy(bytes));
      return;
    }
    case DecoderSpec::Kind::REPLACE: {
      for (std::string& token : tokens) {
        std::string out;
        size_t copied = 0;
        auto on_match = [&](size_t begin, size_t end) {
          out.append(token, copied, begin - copied);
          out += step.content;
          copied = end;
        };
        if (step.regex) {
          step.regex->for_each_match(token, on_match);
        } else if (!step.pattern.empty()) {
          for (size_t at = token.find(step.pattern); at != std::string::npos;
               at = token.find(step.pattern, at + step.pattern.size()))
            on_match(at, at + step.pattern.size());
        }
        out.append(token, copied, std::string::npos);
        token = std::move(out);
      }
      return;
    }
    case DecoderSpec::Kind::BYTE_FALLBACK: {
      std::vector<std::string> out;
      std::string pending;  // consecutive <0xHH> bytes
      auto flush = [&] {
        if (pending.empty()) return;
        if (!first_invalid_utf8(pending)) {
          out.push_back(pending);
        } else {
          for (size_t i = 0; i < pending.size(); ++i) out.push_back("\xEF\xBF\xBD");
        }
        pending.clear();
      };
      for (std::string& token : tokens) {
        if (auto byte = byte_token(token)) {
          pending.push_back(static_cast<char>(*byte));
          continue;
        }
        flush();
        out.push_back(std::move(token));
      }
      flush();
      tokens = std::move(out);
      return;
    }
    case DecoderSpec::Kind::FUSE: {
      std::string joined;
      for (const std::string& token : tokens) joined += token;
      tokens.assign(1, joined);
      return;
    }
    case DecoderSpec::Kind::STRIP:
      for (std::string& token : tokens) {
        // Character boundaries of the token (tokens are valid UTF-8 here).
        std::vector<size_t> bounds{0};
        std::vector<uint32_t> chars;
        size_t at = 0;
        if (first_invalid_utf8(token)) continue;
        while (at < token.size()) {
          chars.push_back(next_code_point(token, at));
          bounds.push_back(at);
        }
        size_t start_cut = 0, stop_cut = chars.size();
        for (size_t i = 0; i < chars.size() && i < static_cast<size_t>(step.start); ++i) {
          if (chars[i] != step.strip_char) break;
          start_cut = i + 1;
        }
        for (size_t i = 0; i < static_cast<size_t>(step.stop) && i < chars.size(); ++i) {
          size_t index = chars.size() - i - 1;
          if (chars[index] != step.strip_char) break;
          stop_cut = index;
        }
        token = start_cut < stop_cut
                    ? token.substr(bounds[start_cut], bounds[stop_cut] - bounds[start_cut])
                    : std::string();
      }
      return;
    case DecoderSpec::Kind::SEQUENCE: return;  // flattened away in the constructor
  }
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
  for (const Step& step : steps_) decode_chain(step, tokens);
  std::string text;
  for (const std::string& token : tokens) text += token;
  return text;
}

}  // namespace r1forge
