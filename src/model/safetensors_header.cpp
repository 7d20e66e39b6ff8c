// safetensors header parsing, validation and serialisation; see
// include/r1forge/model/safetensors_header.h. The checks mirror the reference reader
// (huggingface/safetensors read_metadata + Metadata::validate) in the same order, so a file
// either library rejects is rejected here too, with a message saying exactly what is wrong.
#include "r1forge/model/safetensors_header.h"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "r1forge/core/check.h"

namespace r1forge::safetensors {
namespace {

struct DtypeEntry {
  Dtype dtype;
  std::string_view name;
  int64_t bits;
};

// Same order as the Dtype enum, so kDtypes[static_cast<size_t>(dtype)] is its entry.
constexpr std::array<DtypeEntry, 22> kDtypes = {{
    {Dtype::BOOL, "BOOL", 8},
    {Dtype::F4, "F4", 4},
    {Dtype::F6_E2M3, "F6_E2M3", 6},
    {Dtype::F6_E3M2, "F6_E3M2", 6},
    {Dtype::U8, "U8", 8},
    {Dtype::I8, "I8", 8},
    {Dtype::F8_E5M2, "F8_E5M2", 8},
    {Dtype::F8_E4M3, "F8_E4M3", 8},
    {Dtype::F8_E8M0, "F8_E8M0", 8},
    {Dtype::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8},
    {Dtype::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8},
    {Dtype::I16, "I16", 16},
    {Dtype::U16, "U16", 16},
    {Dtype::F16, "F16", 16},
    {Dtype::BF16, "BF16", 16},
    {Dtype::I32, "I32", 32},
    {Dtype::U32, "U32", 32},
    {Dtype::F32, "F32", 32},
    {Dtype::C64, "C64", 64},
    {Dtype::F64, "F64", 64},
    {Dtype::I64, "I64", 64},
    {Dtype::U64, "U64", 64},
}};

const DtypeEntry& entry_of(Dtype dtype) {
  auto index = static_cast<size_t>(dtype);
  R1F_CHECK(index < kDtypes.size() && kDtypes[index].dtype == dtype, "bad Dtype ", index);
  return kDtypes[index];
}

// Strict UTF-8 (what Rust's str::from_utf8 accepts): no overlong forms, no surrogates,
// nothing above U+10FFFF. Returns the offset of the first bad byte, or npos.
size_t find_invalid_utf8(const uint8_t* bytes, size_t size) {
  size_t i = 0;
  while (i < size) {
    uint8_t lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + length > size) return i;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (size_t k = 2; k < length; ++k) {
      if (bytes[i + k] < 0x80 || bytes[i + k] > 0xBF) return i;
    }
    i += length;
  }
  return std::string::npos;
}

// A non-negative JSON integer that fits in uint64; nullopt for floats, negatives, other types.
std::optional<uint64_t> as_unsigned(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(value.get<int64_t>());
  }
  return std::nullopt;
}

// Parses JSON rejecting duplicate keys (nlohmann silently keeps the last one) and nesting
// deeper than kMaxJsonDepth; the callback sees every key with the set of keys of its object.
nlohmann::json parse_json_strict(const char* begin, const char* end, const std::string& source) {
  std::vector<std::set<std::string>> keys_per_object;
  int depth = 0;
  auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (++depth > kMaxJsonDepth) {
          R1F_THROW(IoError, source, ": invalid safetensors header: JSON nested deeper than ",
                    kMaxJsonDepth, " levels");
        }
        if (event == Event::object_start) keys_per_object.emplace_back();
        break;
      case Event::object_end:
        keys_per_object.pop_back();
        --depth;
        break;
      case Event::array_end: --depth; break;
      case Event::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!keys_per_object.back().insert(key).second) {
          R1F_THROW(IoError, source, ": invalid safetensors header: duplicate key '", key, "'",
                    depth == 1 ? "" : " inside an object");
        }
        break;
      }
      case Event::value: break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(begin, end, callback);
  } catch (const nlohmann::json::exception& error) {
    R1F_THROW(IoError, source, ": invalid safetensors header: not valid JSON: ", error.what());
  }
}

// Reads one "NAME": {"dtype", "shape", "data_offsets"} entry. Unknown fields are ignored,
// as the reference's serde struct does.
TensorInfo read_tensor_entry(const std::string& name,
                             const nlohmann::json& value,
                             const std::string& source) {
  const std::string where = source + ": invalid safetensors header: tensor '" + name + "'";
  R1F_CHECK_IO(value.is_object(), where, ": expected an object with dtype, shape, data_offsets");
  TensorInfo info;
  info.name = name;

  auto dtype_field = value.find("dtype");
  R1F_CHECK_IO(dtype_field != value.end(), where, ": missing \"dtype\"");
  R1F_CHECK_IO(dtype_field->is_string(), where, ": \"dtype\" must be a string");
  auto dtype = parse_dtype(dtype_field->get_ref<const std::string&>());
  R1F_CHECK_IO(dtype.has_value(), where, ": unknown dtype \"",
               dtype_field->get_ref<const std::string&>(), "\"");
  info.dtype = *dtype;

  auto shape_field = value.find("shape");
  R1F_CHECK_IO(shape_field != value.end(), where, ": missing \"shape\"");
  R1F_CHECK_IO(shape_field->is_array(), where, ": \"shape\" must be an array");
  for (const auto& dim : *shape_field) {
    auto size = as_unsigned(dim);
    R1F_CHECK_IO(size.has_value(), where, ": shape ", shape_field->dump(),
                 " must hold non-negative integers");
    R1F_CHECK_IO(*size <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where,
                 ": shape dimension ", *size, " overflows int64");
    info.shape.push_back(static_cast<int64_t>(*size));
  }

  auto offsets_field = value.find("data_offsets");
  R1F_CHECK_IO(offsets_field != value.end(), where, ": missing \"data_offsets\"");
  R1F_CHECK_IO(offsets_field->is_array() && offsets_field->size() == 2, where,
               ": \"data_offsets\" must be [BEGIN, END]");
  auto begin = as_unsigned((*offsets_field)[0]);
  auto end = as_unsigned((*offsets_field)[1]);
  R1F_CHECK_IO(begin.has_value() && end.has_value(), where, ": data_offsets ",
               offsets_field->dump(), " must be non-negative integers");
  info.begin = *begin;
  info.end = *end;
  return info;
}

// The buffer must be tiled exactly: sorted by (begin, end), the first begins at 0 and each
// begins where the previous ended. Returns the buffer length (the last end).
uint64_t check_tiling(const std::vector<TensorInfo>& tensors, const std::string& source) {
  std::vector<const TensorInfo*> by_offset;
  for (const auto& info : tensors) by_offset.push_back(&info);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  const std::string prefix = source + ": invalid safetensors header: tensor '";
  uint64_t position = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* info : by_offset) {
    const auto range = detail::concat("[", info->begin, ", ", info->end, ")");
    R1F_CHECK_IO(info->end >= info->begin, prefix, info->name, "': data_offsets ", range,
                 " end before they begin");
    if (info->begin != position) {
      if (previous == nullptr) {
        R1F_THROW(IoError, prefix, info->name, "': data_offsets ", range,
                  " leave a hole: the first tensor must begin at byte 0 of the data buffer");
      } else if (info->begin > position) {
        R1F_THROW(IoError, prefix, info->name, "': data_offsets ", range, " leave a hole of ",
                  info->begin - position, " bytes after tensor '", previous->name,
                  "' (which ends at ", position, ")");
      } else {
        R1F_THROW(IoError, prefix, info->name, "': data_offsets ", range, " overlap tensor '",
                  previous->name, "' (which ends at ", position, ")");
      }
    }
    position = info->end;
    previous = info;
  }
  return position;
}

// numel * bits must not overflow, be whole bytes, and equal END - BEGIN.
void check_byte_size(const TensorInfo& info, const std::string& source) {
  const std::string where = source + ": invalid safetensors header: tensor '" + info.name + "'";
  uint64_t elements = 1;
  for (int64_t dim : info.shape) {
    R1F_CHECK_IO(!__builtin_mul_overflow(elements, static_cast<uint64_t>(dim), &elements), where,
                 ": element count overflows");
  }
  R1F_CHECK_IO(elements <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), where,
               ": element count overflows int64");
  uint64_t bits = 0;
  R1F_CHECK_IO(
      !__builtin_mul_overflow(elements, static_cast<uint64_t>(dtype_bits(info.dtype)), &bits),
      where, ": byte size overflows");
  R1F_CHECK_IO(bits % 8 == 0, where, ": ", elements, " elements of ", dtype_name(info.dtype),
               " are not a whole number of bytes");
  R1F_CHECK_IO(info.end - info.begin == bits / 8, where, ": data_offsets [", info.begin, ", ",
               info.end, ") hold ", info.end - info.begin, " bytes but ", elements, " elements of ",
               dtype_name(info.dtype), " need ", bits / 8);
}

}  // namespace

std::optional<Dtype> parse_dtype(std::string_view name) {
  for (const auto& entry : kDtypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

std::string_view dtype_name(Dtype dtype) {
  return entry_of(dtype).name;
}

int64_t dtype_bits(Dtype dtype) {
  return entry_of(dtype).bits;
}

int64_t TensorInfo::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;  // validated not to overflow by parse_header
  return count;
}

const TensorInfo* Header::find(std::string_view name) const {
  auto it = std::lower_bound(
      tensors.begin(), tensors.end(), name,
      [](const TensorInfo& info, std::string_view key) { return info.name < key; });
  return (it != tensors.end() && it->name == name) ? &*it : nullptr;
}

Header parse_header(const uint8_t* bytes,
                    size_t available,
                    uint64_t file_size,
                    const std::string& source) {
  const std::string what = source + ": invalid safetensors file: ";
  R1F_CHECK_IO(file_size >= 8, what, "only ", file_size,
               " bytes, too short for the 8-byte header length");
  R1F_CHECK_IO(available >= 8, what, "only ", available, " bytes could be read");
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];  // little-endian
  R1F_CHECK_IO(header_length <= kMaxHeaderLength, what, "header length ", header_length,
               " exceeds the limit of ", kMaxHeaderLength, " bytes (header too large)");
  R1F_CHECK_IO(8 + header_length <= file_size, what, "header length ", header_length,
               " runs past the end of the ", file_size, "-byte file");
  R1F_CHECK_IO(available >= 8 + header_length, what, "only ", available,
               " bytes could be read, the header needs ", 8 + header_length);

  const uint8_t* json_bytes = bytes + 8;
  R1F_CHECK_IO(header_length > 0 && json_bytes[0] == '{', what, "header does not start with '{'");
  size_t bad = find_invalid_utf8(json_bytes, header_length);
  R1F_CHECK_IO(bad == std::string::npos, what, "header is not valid UTF-8 (byte ", bad,
               " of the header)");

  const char* text = reinterpret_cast<const char*>(json_bytes);
  nlohmann::json json = parse_json_strict(text, text + header_length, source);
  R1F_CHECK_IO(json.is_object(), what, "header is not a JSON object");

  Header header;
  header.header_length = header_length;
  for (const auto& [key, value] : json.items()) {
    if (key == "__metadata__") {
      if (value.is_null()) continue;  // the reference reads null as "no metadata"
      R1F_CHECK_IO(value.is_object(), what, "\"__metadata__\" must be an object of strings");
      for (const auto& [meta_key, meta_value] : value.items()) {
        R1F_CHECK_IO(meta_value.is_string(), what, "\"__metadata__\" value for key '", meta_key,
                     "' is ", meta_value.type_name(), ", not a string");
        header.metadata[meta_key] = meta_value.get<std::string>();
      }
      continue;
    }
    header.tensors.push_back(read_tensor_entry(key, value, source));
  }
  // nlohmann's object keeps keys sorted, so tensors arrive sorted by name already.
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });

  header.data_length = check_tiling(header.tensors, source);
  for (const auto& info : header.tensors) check_byte_size(info, source);

  const uint64_t data_available = file_size - 8 - header_length;
  R1F_CHECK_IO(header.data_length <= data_available, what, "truncated: the tensors need ",
               header.data_length, " data bytes but only ", data_available, " follow the header");
  R1F_CHECK_IO(header.data_length == data_available, what, data_available - header.data_length,
               " trailing bytes after the last tensor (the data buffer is not fully indexed)");
  return header;
}

std::string build_header_json(const std::map<std::string, std::string>& metadata,
                              const std::vector<TensorInfo>& tensors) {
  // Built by hand to fix the key order ("__metadata__", then tensors in data order, then
  // dtype, shape, data_offsets), which nlohmann's sorted objects would not keep.
  auto quote = [](const std::string& text, const std::string& what) {
    try {
      return nlohmann::json(text).dump();
    } catch (const nlohmann::json::type_error& error) {
      R1F_THROW(DataError, "cannot write safetensors header: ", what, " is not valid UTF-8");
    }
  };
  std::string out = "{";
  bool first = true;
  if (!metadata.empty()) {
    out += "\"__metadata__\":{";
    bool first_meta = true;
    for (const auto& [key, value] : metadata) {
      if (!first_meta) out += ",";
      first_meta = false;
      out += quote(key, "metadata key") + ":" + quote(value, "metadata value for '" + key + "'");
    }
    out += "}";
    first = false;
  }
  for (const auto& info : tensors) {
    R1F_CHECK_DATA(info.name != "__metadata__",
                   "cannot write safetensors header: tensor name \"__metadata__\" is reserved");
    if (!first) out += ",";
    first = false;
    out += quote(info.name, "tensor name '" + info.name + "'");
    out += ":{\"dtype\":\"";
    out += dtype_name(info.dtype);
    out += "\",\"shape\":[";
    for (size_t i = 0; i < info.shape.size(); ++i) {
      if (i > 0) out += ",";
      out += std::to_string(info.shape[i]);
    }
    out +=
        "],\"data_offsets\":[" + std::to_string(info.begin) + "," + std::to_string(info.end) + "]}";
  }
  out += "}";
  out.append((8 - out.size() % 8) % 8, ' ');
  return out;
}

}  // namespace r1forge::safetensors
