#!/usr/bin/env bash
# `r1forge launch` end to end with small bash workers (no training): the environment each
# worker gets, the "[rank K] " prefixes on stdout and stderr, --master-port 0, a failing
# worker (exit code, SIGKILL from outside, a worker that ignores SIGTERM) stopping the others
# within the grace period with nothing left running, SIGTERM/SIGINT to the launcher forwarded
# once, `-- r1forge` resolving to the launcher's own binary, bad flags, long and unterminated
# lines, a real `r1forge run` worker saving on a forwarded SIGTERM, and the Slurm example's
# syntax.
# Usage: launch_cli.sh R1FORGE WORKDIR
set -uo pipefail
set -m  # background jobs get their own process group: a "terminal" SIGINT reaches only them
r1forge="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work"; mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# A process that exists and is not a zombie (PID 1 of a container may never reap orphans).
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"; }
# Waits up to 3 s for every pid listed in the files $@ to be gone.
expect_all_gone() {
  local pids pid deadline=$(($(now_ms) + 3000))
  pids=$(cat "$@" 2>/dev/null)
  [ -n "$pids" ] || { fail "no worker pids were written ($*)"; return; }
  for pid in $pids; do
    while alive "$pid" && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
    if alive "$pid"; then fail "process $pid is still running"; kill -9 "$pid"; fi
  done
}
# Waits up to 10 s for the files $@ to exist.
wait_for_files() {
  local deadline=$(($(now_ms) + 10000)) file
  for file in "$@"; do
    while [ ! -s "$file" ] && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
    [ -s "$file" ] || { fail "$file was not written"; return 1; }
  done
}
expect_line() {  # expect_line FILE LINE: FILE holds exactly this line
  grep -qxF -- "$2" "$1" && ok "$1 has '$2'" || { fail "$1 lacks the line '$2':"; sed 's/^/    /' "$1" | cut -c1-200; }
}

# 1. The environment of each worker, prefixes on stdout and stderr, inherited variables.
show_env='echo "RANK=$RANK WORLD_SIZE=$WORLD_SIZE LOCAL_RANK=$LOCAL_RANK LOCAL_WORLD_SIZE=$LOCAL_WORLD_SIZE GROUP_RANK=$GROUP_RANK NODE_RANK=$NODE_RANK MASTER_ADDR=$MASTER_ADDR MASTER_PORT=$MASTER_PORT R1F_LAUNCHED=$R1F_LAUNCHED INHERITED=$R1F_TEST_INHERITED"; echo "to stderr from $RANK" >&2'
R1F_TEST_INHERITED=yes "$r1forge" launch --nproc-per-node 3 -- bash -c "$show_env" \
  >"$work/env.out" 2>"$work/env.err"
code=$?
[ "$code" -eq 0 ] || fail "env: exit $code"
for rank in 0 1 2; do
  expect_line "$work/env.out" "[rank $rank] RANK=$rank WORLD_SIZE=3 LOCAL_RANK=$rank LOCAL_WORLD_SIZE=3 GROUP_RANK=0 NODE_RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 R1F_LAUNCHED=1 INHERITED=yes"
  expect_line "$work/env.err" "[rank $rank] to stderr from $rank"
done
[ "$(wc -l <"$work/env.out")" -eq 3 ] || fail "env: stdout should hold 3 lines"
grep -q "to stderr" "$work/env.out" && fail "env: stderr lines reached stdout"
# The second node of two: global ranks 2 and 3 of 4, local ranks 0 and 1.
"$r1forge" launch --nproc-per-node 2 --nnodes 2 --node-rank 1 --master-addr 10.1.2.3 \
  --master-port 1234 -- bash -c "$show_env" >"$work/node1.out" 2>"$work/node1.err"
code=$?
[ "$code" -eq 0 ] || fail "node 1: exit $code"
for local in 0 1; do
  rank=$((2 + local))
  expect_line "$work/node1.out" "[rank $rank] RANK=$rank WORLD_SIZE=4 LOCAL_RANK=$local LOCAL_WORLD_SIZE=2 GROUP_RANK=1 NODE_RANK=1 MASTER_ADDR=10.1.2.3 MASTER_PORT=1234 R1F_LAUNCHED=1 INHERITED="
done
# --no-prefix: the lines as the workers wrote them.
"$r1forge" launch --nproc-per-node 2 --no-prefix -- bash -c 'echo "plain $RANK"' \
  >"$work/plain.out" 2>/dev/null
expect_line "$work/plain.out" "plain 0"
expect_line "$work/plain.out" "plain 1"

# 2. --master-port 0: one free port, the same for every worker.
"$r1forge" launch --nproc-per-node 3 --master-port 0 -- bash -c 'echo "port $MASTER_PORT"' \
  >"$work/port.out" 2>"$work/port.err"
ports=$(sed -n 's/^\[rank [0-9]\] port //p' "$work/port.out" | sort -u)
if [ "$(sed -n 's/^\[rank [0-9]\] port //p' "$work/port.out" | wc -l)" -eq 3 ] &&
  [ "$(echo "$ports" | wc -l)" -eq 1 ] && [ "$ports" -gt 0 ] && [ "$ports" -le 65535 ] &&
  grep -q "master 127.0.0.1:$ports\$" "$work/port.err"; then
  ok "--master-port 0 gave every worker port $ports"
else
  fail "--master-port 0: ports '$ports'"; cat "$work/port.out" "$work/port.err"
fi

# 3. One worker exits 3 while the others sleep: they get SIGTERM, the launcher exits 3.
mkdir -p "$work/exit3"
worker='cd '"$work/exit3"'
if [ "$RANK" = 1 ]; then
  while [ ! -s pid.0 ] || [ ! -s pid.2 ]; do sleep 0.05; done
  echo "rank 1 fails"; exit 3
fi
trap "echo \"rank $RANK got SIGTERM\"; exit 0" TERM
sleep 60 & echo $! >child.$RANK
echo $$ >pid.$RANK
wait'
start=$(now_ms)
"$r1forge" launch --nproc-per-node 3 --grace-seconds 20 -- bash -c "$worker" \
  >"$work/exit3.out" 2>"$work/exit3.err"
code=$?
elapsed=$(($(now_ms) - start))
[ "$code" -eq 3 ] && ok "exit 3 -> launcher exit 3" || fail "exit 3: launcher exit $code (want 3)"
[ "$elapsed" -lt 10000 ] || fail "exit 3: the launcher took $elapsed ms"
expect_line "$work/exit3.out" "[rank 1] rank 1 fails"
expect_line "$work/exit3.out" "[rank 0] rank 0 got SIGTERM"
expect_line "$work/exit3.out" "[rank 2] rank 2 got SIGTERM"
grep -Eq "^r1forge launch: rank 1 \(pid [0-9]+\) exited with code 3; stopping the other workers$" \
  "$work/exit3.err" && ok "exit 3 reported" || { fail "exit 3: no report"; cat "$work/exit3.err"; }
expect_all_gone "$work"/exit3/pid.* "$work"/exit3/child.*

# 4. SIGKILL to one worker from outside; rank 2 ignores SIGTERM and is SIGKILLed after 1 s.
mkdir -p "$work/kill"
worker='cd '"$work/kill"'
if [ "$RANK" = 2 ]; then
  trap "" TERM
  echo $$ >pid.2
  while true; do sleep 0.1; done
fi
trap "echo \"rank $RANK got SIGTERM\"; exit 0" TERM
sleep 60 & echo $! >child.$RANK
echo $$ >pid.$RANK
wait'
start=$(now_ms)
"$r1forge" launch --nproc-per-node 3 --grace-seconds 1 -- bash -c "$worker" \
  >"$work/kill.out" 2>"$work/kill.err" &
launcher=$!
if wait_for_files "$work"/kill/pid.{0,1,2}; then
  victim=$(cat "$work/kill/pid.1")
  kill -KILL "$victim"
  wait "$launcher"
  code=$?
  elapsed=$(($(now_ms) - start))
  [ "$code" -eq 137 ] && ok "SIGKILL -> launcher exit 137" || fail "SIGKILL: launcher exit $code (want 137)"
  [ "$elapsed" -lt 10000 ] || fail "SIGKILL: the launcher took $elapsed ms"
  expect_line "$work/kill.err" "r1forge launch: rank 1 (pid $victim) was killed by signal 9 (SIGKILL); stopping the other workers"
  expect_line "$work/kill.err" "r1forge launch: rank 2 (pid $(cat "$work/kill/pid.2")) still running 1 s after it was asked to stop; sending SIGKILL"
  expect_line "$work/kill.out" "[rank 0] rank 0 got SIGTERM"
  expect_all_gone "$work"/kill/pid.* "$work"/kill/child.*
else
  kill -KILL "$launcher"; wait "$launcher"
fi

# The launcher itself SIGKILLed: the kernel ends its workers (PR_SET_PDEATHSIG).
mkdir -p "$work/orphan"
"$r1forge" launch --nproc-per-node 2 -- bash -c 'echo $$ >'"$work/orphan"'/pid.$RANK
while true; do sleep 0.1; done' >/dev/null 2>&1 &
launcher=$!
if wait_for_files "$work"/orphan/pid.{0,1}; then
  kill -KILL "$launcher"
  wait "$launcher" 2>/dev/null
  before=$failures
  expect_all_gone "$work"/orphan/pid.*
  [ "$failures" -eq "$before" ] && ok "a SIGKILLed launcher leaves no worker behind"
fi

# 5. SIGTERM to the launcher is forwarded; workers that exit 75 (r1forge's "interrupted,
# state saved") make it exit 75, workers that exit 0 make it exit 128+15.
mkdir -p "$work/term"
worker='cd '"$work/term"'
trap "echo \"rank $RANK got SIGTERM\"; [ $RANK = 1 ] && exit 75; exit 0" TERM
sleep 60 & echo $! >child.$RANK
echo $$ >pid.$RANK
wait'
"$r1forge" launch --nproc-per-node 2 -- bash -c "$worker" >"$work/term.out" 2>"$work/term.err" &
launcher=$!
if wait_for_files "$work"/term/pid.{0,1}; then
  kill -TERM "$launcher"
  wait "$launcher"
  code=$?
  [ "$code" -eq 75 ] && ok "SIGTERM to the launcher -> exit 75" || fail "SIGTERM: launcher exit $code (want 75)"
  expect_line "$work/term.out" "[rank 0] rank 0 got SIGTERM"
  expect_line "$work/term.out" "[rank 1] rank 1 got SIGTERM"
  expect_line "$work/term.err" "r1forge launch: got SIGTERM; forwarding SIGTERM to the workers"
  expect_all_gone "$work"/term/pid.* "$work"/term/child.*
fi
# SIGINT to the launcher's process group, as a terminal's Ctrl-C sends it: each worker sees
# it exactly once (it is forwarded; the workers are in their own groups), exit 128+2.
mkdir -p "$work/int"
worker='cd '"$work/int"'
count=0
trap "count=\$((count + 1))" INT
echo $$ >pid.$RANK
while [ $count -eq 0 ]; do sleep 0.05; done
sleep 1  # a second SIGINT would arrive now
echo "rank $RANK saw $count SIGINT"'
"$r1forge" launch --nproc-per-node 2 -- bash -c "$worker" >"$work/int.out" 2>"$work/int.err" &
launcher=$!
if wait_for_files "$work"/int/pid.{0,1}; then
  kill -INT -- "-$launcher"
  wait "$launcher"
  code=$?
  [ "$code" -eq 130 ] && ok "SIGINT to the launcher's group -> exit 130" || fail "SIGINT: launcher exit $code (want 130)"
  expect_line "$work/int.out" "[rank 0] rank 0 saw 1 SIGINT"
  expect_line "$work/int.out" "[rank 1] rank 1 saw 1 SIGINT"
  expect_all_gone "$work"/int/pid.*
fi

# 6. `-- r1forge ...` runs the launcher's own binary when r1forge is not on PATH.
PATH=/nonexistent "$r1forge" launch --nproc-per-node 2 -- r1forge --version \
  >"$work/self.out" 2>"$work/self.err"
code=$?
[ "$code" -eq 0 ] || { fail "r1forge resolution: exit $code"; cat "$work/self.err"; }
expect_line "$work/self.out" "[rank 0] r1forge 0.1.0"
expect_line "$work/self.out" "[rank 1] r1forge 0.1.0"

# 7. Bad flags: exit 2 and a message naming the flag.
expect_usage() {  # expect_usage PATTERN -- ARGS...
  local pattern="$1"; shift 2
  "$r1forge" launch "$@" >"$work/usage.out" 2>"$work/usage.err"
  local got=$?
  if [ "$got" -eq 2 ] && grep -Eq -- "$pattern" "$work/usage.err"; then
    ok "launch $* -> 2"
  else
    fail "launch $* -> exit $got (want 2, /$pattern/):"; sed 's/^/    /' "$work/usage.err"
  fi
}
expect_usage "--nproc-per-node must be in \[1, 4096\], got 0" -- --nproc-per-node 0 -- true
expect_usage "--nproc-per-node is required" -- -- true
expect_usage "--nproc-per-node" -- --nproc-per-node two -- true
expect_usage "--node-rank must be in \[0, --nnodes\) = \[0, 2\), got 2" -- --nproc-per-node 1 --nnodes 2 --node-rank 2 -- true
expect_usage "--nnodes must be in" -- --nproc-per-node 1 --nnodes 0 -- true
expect_usage "no command to run; put it after '--'" -- --nproc-per-node 2
expect_usage "no command to run" -- --nproc-per-node 2 --
expect_usage "--master-port 0 .*single node only" -- --nproc-per-node 2 --nnodes 2 --master-port 0 -- true
expect_usage "--master-port must be in \[0, 65535\], got 70000" -- --nproc-per-node 1 --master-port 70000 -- true
expect_usage "--grace-seconds must be a finite number >= 0, got -1" -- --nproc-per-node 1 --grace-seconds -1 -- true
expect_usage "the command 'no-such-program-r1f' was not found on PATH" -- --nproc-per-node 1 -- no-such-program-r1f

# 8. Long lines (100 kB) from two workers at once arrive whole, never mixed; an unterminated
# last line is flushed when the worker ends.
worker='letter=$([ "$RANK" = 0 ] && echo a || echo b)
line=$(head -c 100000 /dev/zero | tr "\0" "$letter")
for i in 1 2 3 4 5 6 7 8; do echo "$line"; done
printf "tail of %s without newline" "$RANK"'
"$r1forge" launch --nproc-per-node 2 -- bash -c "$worker" >"$work/long.out" 2>/dev/null
code=$?
[ "$code" -eq 0 ] || fail "long lines: exit $code"
bad=$(awk '{
  if ($0 ~ /^\[rank [01]\] tail of [01] without newline$/) { tails++; next }
  if (length($0) == 9 + 100000 && ($0 ~ /^\[rank 0\] a+$/ || $0 ~ /^\[rank 1\] b+$/)) { whole++; next }
  bad++
} END { if (whole != 16 || tails != 2) bad++; print bad + 0 }' "$work/long.out")
[ "$bad" -eq 0 ] && ok "16 lines of 100 kB and 2 unterminated tails arrived intact" ||
  { fail "long lines: $bad bad lines"; cut -c1-60 "$work/long.out"; }
expect_line "$work/long.out" "[rank 0] tail of 0 without newline"

# 9. A real r1forge worker: SIGTERM to the launcher reaches `r1forge run` mid-step (held there
# by the test stall hook), which saves a checkpoint and exits 75; the launcher exits 75.
source "$here/stall_util.sh"
make_smoke_data "$r1forge" "$work/real" "$here/../.."
cd "$work/real" || exit 1
R1F_TEST_STALL_AT=pretrain/mid_step:1 R1F_TEST_STALL_MARKER="$work/real/stalled" \
  "$r1forge" launch --nproc-per-node 1 -- r1forge run "$here/../../configs/tiny/resume.yaml" \
  run.dir=runs/launched >"$work/real.out" 2>"$work/real.err" &
launcher=$!
cd - >/dev/null || exit 1
if wait_for_files "$work/real/stalled"; then
  kill -TERM "$launcher"
  wait "$launcher"
  code=$?
  [ "$code" -eq 75 ] && ok "real worker: SIGTERM -> saved, launcher exit 75" ||
    { fail "real worker: launcher exit $code (want 75)"; tail -5 "$work/real.err"; }
  grep -q "^\[rank 0\] r1forge: error: pretrain: stopped by SIGTERM after step 1; checkpoint" \
    "$work/real.err" && ok "real worker: its stop message, prefixed" ||
    fail "real worker: no prefixed stop message"
  [ "$(cat "$work/real/runs/launched/stages/01-pretrain/checkpoints/latest" 2>/dev/null)" = \
    step-0000001 ] && ok "real worker: checkpoint step 1 saved" ||
    fail "real worker: latest checkpoint is not step 1"
else
  kill -KILL "$launcher"; wait "$launcher"
fi

# 10. The Slurm example parses.
bash -n "$here/../../scripts/slurm/r1forge.sbatch" && ok "scripts/slurm/r1forge.sbatch parses" ||
  fail "scripts/slurm/r1forge.sbatch: bash -n failed"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
