// Making a config's `make_data:` folder (make_data_config.h): deterministically, at most once,
// and never half.
//
// The folder holds a stamp, `make_data.json`: the generator version (tasks::
// kTaskGeneratorVersion), the section's resolved settings (all but `dir`) and each file's size
// and SHA-256. make_data() skips when the stamp matches this section and this generator and
// every file matches it; otherwise it writes everything into `<dir>.staging`, the stamp last,
// and swaps that in for `<dir>` (the old folder renamed aside first, so a kill at any moment
// leaves either the old folder, the new one, or none; never a partial one with a stamp).
// Concurrent calls for one dir are serialised by an flock on `<dir>.lock`.
// Not here: the settings (make_data_config.h), the generators (tasks/), the pipeline hook
// (pipeline/runner.h runs it before the stages; `r1forge stage` before its stage).
#pragma once

#include <filesystem>
#include <string>

#include "r1forge/data/make_data_config.h"

namespace r1forge {

// The stamp file inside dir.
inline constexpr const char* kMakeDataStamp = "make_data.json";

struct MakeDataResult {
  bool generated = false;  // false: the folder was current and left alone
  double seconds = 0.0;
};

// Makes config.dir unless it is current (see the file comment). `where` names the section in
// messages (e.g. "configs/r1-tiny.yaml: make_data"). ConfigError when dir exists but holds no
// make_data stamp (someone else's folder is never replaced), and the generators' and
// SentencePiece's errors; nothing is left at dir by a failed attempt that was not there before.
MakeDataResult make_data(const MakeDataConfig& config, const std::string& where);

// True when config.dir holds this section's files from this generator version, as checked by
// make_data() before it skips.
bool make_data_current(const MakeDataConfig& config);

// The section's identity: generator version and settings (all but dir), as canonical JSON
// text. Equal identities make equal bytes; the stamp records it.
std::string make_data_identity(const MakeDataConfig& config);

// True when `path` (a file, or the tokenizer folder) is something the section makes, compared
// as absolute, lexically normal paths.
bool make_data_makes(const MakeDataConfig& config, const std::filesystem::path& path);

}  // namespace r1forge
