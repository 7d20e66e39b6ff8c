#!/usr/bin/env bash
# Makes what scripts/device_check.sh needs on the GPU machine and cannot fetch there: .debs/
# (the Debian build dependencies, scripts/fetch_device_debs.sh) and .testdata/ (a copy of the
# shared tokenizer files beside the checkout, which the device tool does not send). Both are
# git-ignored; the call is run(command="bash scripts/device_check.sh",
# carry=[".debs", ".testdata"], timeout_s=540). Quick when both are there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ -n "$(ls "$root/.debs"/*.deb 2>/dev/null)" ] || bash "$root/scripts/fetch_device_debs.sh" >/dev/null
rm -rf "$root/.testdata"
cp -r "$root/../shared/testdata" "$root/.testdata"
du -sh "$root/.debs" "$root/.testdata"
