# Sourced by the kill/resume tests (kill_resume.sh, pipeline_smoke.sh): the shared set-up and
# the wait for a test-hook stall (R1F_TEST_STALL_AT, core/fault_injection.h).
# Not here: what each test kills or compares.

# make_smoke_data R1FORGE WORK ROOT: a fresh WORK with runs/tiny-smoke-data made by
# `r1forge make-data --config configs/tiny/resume.yaml` (the make_data: section the
# configs/tiny/*.yaml pipelines share), so every run of a test finds it current; exits on failure.
make_smoke_data() {
  local r1forge="$1" work="$2" root="$3"
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && "$r1forge" make-data --config "$root/configs/tiny/resume.yaml" >data.log 2>&1) ||
    { cat "$work/data.log"; exit 1; }
}

# start_stalled LOG MARKER POINT COMMAND...: runs COMMAND in the background with the stall
# hook at POINT, appending its output to LOG; returns 0 once it stalls there ($pid is the
# process), 1 when it ended first or did not get there in 120 s (then it is killed).
start_stalled() {
  local log="$1" marker="$2" point="$3"
  shift 3
  rm -f "$marker"
  R1F_TEST_STALL_AT="$point" R1F_TEST_STALL_MARKER="$marker" "$@" >>"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    [ -e "$marker" ] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "  the run ended before reaching $point"; return 1; }
    sleep 0.1
  done
  echo "  timed out waiting for $point"
  kill -9 "$pid"
  return 1
}
