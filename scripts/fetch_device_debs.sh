#!/usr/bin/env bash
# Downloads (here, where apt works) the Debian packages that r1forge's build needs and the GPU
# machine lacks, into .debs/ (git-ignored). scripts/device_check.sh unpacks them into a prefix
# there; the device tool carries the folder: run(carry=[".debs"]).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/.debs"
cd "$root/.debs"
packages=(libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
          nlohmann-json3-dev libcli11-dev libsentencepiece-dev libsentencepiece0
          libgtest-dev googletest libonig-dev libonig5 libutf8proc-dev libutf8proc2
          libprotobuf-lite32)
apt-get download "${packages[@]}" >/dev/null
ls -1 "$root/.debs"
