// tokenizer.json post-processors; see include/r1forge/tokenizer/post_processor.h.
#include "r1forge/tokenizer/post_processor.h"

#include "r1forge/core/check.h"

namespace r1forge {

namespace {

using nlohmann::json;

std::vector<TemplateItem> parse_template(
    const json& object,
    const JsonKey& key,
    const char* name,
    const std::map<std::string, std::vector<int64_t>>& special) {
  const JsonKey at = key / name;
  const json& list = json_required(object, key, name);
  if (!list.is_array()) throw_json_error(at, "must be a list of template items");
  std::vector<TemplateItem> items;
  for (size_t i = 0; i < list.size(); ++i) {
    const json& item = json_object_at(list[i], at[i]);
    if (item.size() != 1 || !(item.contains("SpecialToken") || item.contains("Sequence")))
      throw_json_error(
          at[i], "must be {\"SpecialToken\": {..}} or {\"Sequence\": {..}}, got " + item.dump());
    TemplateItem parsed;
    parsed.is_sequence = item.contains("Sequence");
    const JsonKey inner_key = at[i] / (parsed.is_sequence ? "Sequence" : "SpecialToken");
    const json& inner = json_object_at(item.begin().value(), inner_key);
    parsed.id = json_string_member(inner, inner_key, "id");
    const json& type_id = json_required(inner, inner_key, "type_id");
    if (!type_id.is_number_unsigned())
      throw_json_error(inner_key / "type_id", "must be a non-negative integer");
    parsed.type_id = type_id.get<int64_t>();
    if (parsed.is_sequence && parsed.id != "A" && parsed.id != "B")
      throw_json_error(inner_key / "id",
                       "a Sequence item's id must be \"A\" or \"B\", got '" + parsed.id + "'");
    if (!parsed.is_sequence && !special.count(parsed.id))
      throw_json_error(inner_key / "id",
                       "the special token '" + parsed.id + "' is not in special_tokens");
    items.push_back(parsed);
  }
  return items;
}

}  // namespace

PostProcessorSpec parse_post_processor(const json& value, const JsonKey& key) {
  PostProcessorSpec spec;
  spec.key = key;
  const std::string type = json_type_of(value, key);
  if (type == "ByteLevel") {
    spec.kind = PostProcessorSpec::Kind::BYTE_LEVEL;
  } else if (type == "TemplateProcessing") {
    spec.kind = PostProcessorSpec::Kind::TEMPLATE;
    json_check_keys(value, key, {"type", "single", "pair", "special_tokens"});
    const json& special =
        json_object_at(json_required(value, key, "special_tokens"), key / "special_tokens");
    for (const auto& [name, entry] : special.items()) {
      const JsonKey at = key / "special_tokens" / name;
      json_object_at(entry, at);
      const json& ids = json_required(entry, at, "ids");
      if (!ids.is_array()) throw_json_error(at / "ids", "must be a list of token ids");
      std::vector<int64_t> parsed;
      for (const json& id : ids) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0)
          throw_json_error(at / "ids", "must hold token ids, got " + id.dump());
        parsed.push_back(id.get<int64_t>());
      }
      spec.special_tokens[name] = parsed;
    }
    spec.single = parse_template(value, key, "single", spec.special_tokens);
    spec.pair = parse_template(value, key, "pair", spec.special_tokens);
  } else if (type == "Sequence") {
    spec.kind = PostProcessorSpec::Kind::SEQUENCE;
    const json& list = json_required(value, key, "processors");
    if (!list.is_array()) throw_json_error(key / "processors", "must be a list");
    for (size_t i = 0; i < list.size(); ++i)
      spec.children.push_back(parse_post_processor(list[i], (key / "processors")[i]));
  } else {
    throw_json_error(key / "type", "unsupported post_processor type '" + type +
                                       "' (supported: ByteLevel, TemplateProcessing, Sequence)");
  }
  return spec;
}

namespace {

// HF process_encodings: each processor maps the list of encodings (one, or two for a pair) to a
// new list; TemplateProcessing merges them into one.
std::vector<std::vector<int64_t>> apply(const PostProcessorSpec& spec,
                                        std::vector<std::vector<int64_t>> encodings,
                                        bool add_special_tokens) {
  switch (spec.kind) {
    case PostProcessorSpec::Kind::BYTE_LEVEL: return encodings;
    case PostProcessorSpec::Kind::SEQUENCE:
      for (const PostProcessorSpec& child : spec.children)
        encodings = apply(child, std::move(encodings), add_special_tokens);
      return encodings;
    case PostProcessorSpec::Kind::TEMPLATE: {
      const auto& items = encodings.size() == 1 ? spec.single : spec.pair;
      std::vector<int64_t> merged;
      for (const TemplateItem& item : items) {
        if (item.is_sequence) {
          size_t index = item.id == "A" ? 0 : 1;
          R1F_CHECK_CONFIG(index < encodings.size(), spec.key.where(),
                           ": the single template uses sequence B");
          merged.insert(merged.end(), encodings[index].begin(), encodings[index].end());
        } else if (add_special_tokens) {
          const auto& ids = spec.special_tokens.at(item.id);
          merged.insert(merged.end(), ids.begin(), ids.end());
        }
      }
      return {merged};
    }
  }
  return encodings;
}

void collect_special_ids(const PostProcessorSpec& spec, std::vector<int64_t>& out) {
  for (const auto& [name, ids] : spec.special_tokens) out.insert(out.end(), ids.begin(), ids.end());
  for (const PostProcessorSpec& child : spec.children) collect_special_ids(child, out);
}

}  // namespace

std::vector<int64_t> PostProcessor::process(const std::vector<int64_t>& a,
                                            const std::vector<int64_t>* b,
                                            bool add_special_tokens) const {
  std::vector<std::vector<int64_t>> encodings{a};
  if (b != nullptr) encodings.push_back(*b);
  encodings = apply(spec_, std::move(encodings), add_special_tokens);
  std::vector<int64_t> ids;
  for (const auto& encoding : encodings) ids.insert(ids.end(), encoding.begin(), encoding.end());
  return ids;
}

std::vector<int64_t> PostProcessor::special_ids() const {
  std::vector<int64_t> ids;
  collect_special_ids(spec_, ids);
  return ids;
}

}  // namespace r1forge
