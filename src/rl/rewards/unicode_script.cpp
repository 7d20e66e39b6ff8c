// UTF-8 decoding and script ranges; see include/r1forge/rl/rewards/unicode_script.h.
#include "r1forge/rl/rewards/unicode_script.h"

namespace r1forge::unicode {
namespace {

struct Range {
  char32_t first;
  char32_t last;
  Script script;
};

// Letter blocks by script (Unicode 15 block boundaries; non-letters inside them, such as the
// Arabic-Indic digits, count as the script too, which is harmless for word counting).
constexpr Range kRanges[] = {
    {0x0041, 0x005A, Script::LATIN},      {0x0061, 0x007A, Script::LATIN},
    {0x00AA, 0x00AA, Script::LATIN},      {0x00BA, 0x00BA, Script::LATIN},
    {0x00C0, 0x00D6, Script::LATIN},      {0x00D8, 0x00F6, Script::LATIN},
    {0x00F8, 0x024F, Script::LATIN},      {0x0250, 0x02AF, Script::LATIN},
    {0x1E00, 0x1EFF, Script::LATIN},      {0x2C60, 0x2C7F, Script::LATIN},
    {0xA720, 0xA7FF, Script::LATIN},      {0xFF21, 0xFF3A, Script::LATIN},
    {0xFF41, 0xFF5A, Script::LATIN},      {0x0370, 0x03FF, Script::GREEK},
    {0x1F00, 0x1FFF, Script::GREEK},      {0x0400, 0x052F, Script::CYRILLIC},
    {0x1C80, 0x1C8F, Script::CYRILLIC},   {0x2DE0, 0x2DFF, Script::CYRILLIC},
    {0xA640, 0xA69F, Script::CYRILLIC},   {0x0531, 0x058F, Script::ARMENIAN},
    {0x05D0, 0x05FF, Script::HEBREW},     {0xFB1D, 0xFB4F, Script::HEBREW},
    {0x0620, 0x064A, Script::ARABIC},     {0x066E, 0x06D3, Script::ARABIC},
    {0x06FA, 0x06FF, Script::ARABIC},     {0x0750, 0x077F, Script::ARABIC},
    {0x08A0, 0x08FF, Script::ARABIC},     {0xFB50, 0xFDFF, Script::ARABIC},
    {0xFE70, 0xFEFF, Script::ARABIC},     {0x0904, 0x0939, Script::DEVANAGARI},
    {0x093D, 0x093D, Script::DEVANAGARI}, {0x0950, 0x0950, Script::DEVANAGARI},
    {0x0958, 0x0961, Script::DEVANAGARI}, {0x0972, 0x097F, Script::DEVANAGARI},
    {0x0985, 0x09B9, Script::BENGALI},    {0x09DC, 0x09E1, Script::BENGALI},
    {0x0E01, 0x0E30, Script::THAI},       {0x0E32, 0x0E33, Script::THAI},
    {0x0E40, 0x0E46, Script::THAI},       {0x1100, 0x11FF, Script::HANGUL},
    {0x3131, 0x318E, Script::HANGUL},     {0xA960, 0xA97F, Script::HANGUL},
    {0xAC00, 0xD7A3, Script::HANGUL},     {0xD7B0, 0xD7FF, Script::HANGUL},
    {0x3041, 0x3096, Script::HIRAGANA},   {0x309D, 0x309F, Script::HIRAGANA},
    {0x30A1, 0x30FA, Script::KATAKANA},   {0x30FC, 0x30FF, Script::KATAKANA},
    {0x31F0, 0x31FF, Script::KATAKANA},   {0xFF66, 0xFF9D, Script::KATAKANA},
    {0x2E80, 0x2FDF, Script::HAN},        {0x3005, 0x3007, Script::HAN},
    {0x3021, 0x3029, Script::HAN},        {0x3038, 0x303B, Script::HAN},
    {0x3400, 0x4DBF, Script::HAN},        {0x4E00, 0x9FFF, Script::HAN},
    {0xF900, 0xFAFF, Script::HAN},        {0x20000, 0x323AF, Script::HAN},
};

// Combining marks and the vowel signs of abugidas continue a word.
constexpr Range kMarks[] = {
    {0x0300, 0x036F, Script::NEUTRAL}, {0x0483, 0x0489, Script::NEUTRAL},
    {0x0591, 0x05C7, Script::NEUTRAL}, {0x064B, 0x065F, Script::NEUTRAL},
    {0x0670, 0x0670, Script::NEUTRAL}, {0x06D6, 0x06ED, Script::NEUTRAL},
    {0x0900, 0x0903, Script::NEUTRAL}, {0x093A, 0x094F, Script::NEUTRAL},
    {0x0951, 0x0957, Script::NEUTRAL}, {0x0962, 0x0963, Script::NEUTRAL},
    {0x0981, 0x0983, Script::NEUTRAL}, {0x09BC, 0x09D7, Script::NEUTRAL},
    {0x0E31, 0x0E31, Script::NEUTRAL}, {0x0E34, 0x0E3A, Script::NEUTRAL},
    {0x0E47, 0x0E4E, Script::NEUTRAL}, {0x1AB0, 0x1AFF, Script::NEUTRAL},
    {0x1DC0, 0x1DFF, Script::NEUTRAL}, {0x20D0, 0x20FF, Script::NEUTRAL},
    {0x3099, 0x309A, Script::NEUTRAL}, {0xFE20, 0xFE2F, Script::NEUTRAL},
};

template <size_t N>
const Range* find(const Range (&table)[N], char32_t c) {
  for (const Range& range : table) {
    if (c >= range.first && c <= range.last) return &range;
  }
  return nullptr;
}

}  // namespace

std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    int length = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
    char32_t c = length == 1   ? lead
                 : length == 2 ? lead & 0x1F
                 : length == 3 ? lead & 0x0F
                               : lead & 0x07;
    bool valid = length > 0 && i + length <= text.size();
    for (int k = 1; valid && k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (c < kMinimum[length] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)) {
      valid = false;
    }
    if (!valid) {
      out.push_back(0xFFFD);
      ++i;  // resynchronize on the next byte
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
      continue;
    }
    out.push_back(c);
    i += length;
  }
  return out;
}

Script script_of(char32_t code_point) {
  const Range* range = find(kRanges, code_point);
  return range ? range->script : Script::NEUTRAL;
}

bool is_combining_mark(char32_t code_point) {
  return find(kMarks, code_point) != nullptr;
}

size_t skip_markup_tag(const std::vector<char32_t>& text, size_t i) {
  if (text[i] != '<') return i;
  size_t k = i + 1;
  if (k < text.size() && text[k] == '/') ++k;
  const size_t name = k;
  while (k < text.size() && (is_ascii_letter(text[k]) || text[k] == '_')) ++k;
  if (k == name || k >= text.size() || text[k] != '>') return i;
  return k + 1;
}

}  // namespace r1forge::unicode
