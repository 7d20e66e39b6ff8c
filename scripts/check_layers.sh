#!/usr/bin/env bash
# Checks that r1forge's modules include only the modules below them (DESIGN.md, Layout):
#   core <- model, tokenizer, optim <- sampling, rl, data <- pipeline <- apps;
#   kernels sit beside model on core alone, and model calls them (never the reverse).
# Scans every #include "r1forge/<module>/..." in include/r1forge/<module>/ and src/<module>/.
# Usage: check_layers.sh SOURCE_DIR [MODULE ...]   (no module = all of them)
# Exit 1 listing each offending line; 0 when every include points down.
set -euo pipefail
root="${1:?usage: check_layers.sh SOURCE_DIR [MODULE ...]}"
shift

# What each module may include besides itself.
declare -A allowed=(
  [core]=""
  [kernels]="core"
  [model]="core kernels"
  [tokenizer]="core"
  [optim]="core"
  [sampling]="core model tokenizer kernels"
  # rl turns the engine's samples into training tensors (rl/rollout.h reads GeneratedSample).
  [rl]="core model tokenizer kernels sampling"
  [data]="core tokenizer"
  [pipeline]="core model tokenizer kernels optim sampling rl data"
)
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(core kernels model tokenizer optim sampling rl data pipeline)

status=0
for module in "${modules[@]}"; do
  [ -n "${allowed[$module]+set}" ] || { echo "check_layers: unknown module '$module'" >&2; exit 2; }
  ok=" $module ${allowed[$module]} "
  files=()
  for dir in "$root/include/r1forge/$module" "$root/src/$module"; do
    [ -d "$dir" ] && while IFS= read -r file; do files+=("$file"); done \
      < <(find "$dir" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \))
  done
  [ ${#files[@]} -gt 0 ] || { echo "check_layers: no files for module '$module'" >&2; exit 2; }
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    target="$(sed -E 's|.*#include "r1forge/([a-z_]+)/.*|\1|' <<<"$hit")"
    if [[ "$ok" != *" $target "* ]]; then
      echo "${hit#"$root"/}: $module may include only: $module ${allowed[$module]}"
      status=1
    fi
  done < <(grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"r1forge/[a-z_]+/' "${files[@]}" || true)
done
[ $status -eq 0 ] && echo "check_layers: ${modules[*]}: every include points down"
exit $status
