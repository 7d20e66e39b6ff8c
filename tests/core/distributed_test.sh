#!/usr/bin/env bash
# core/distributed.h across real processes on loopback (Gloo): collectives give the values
# each rank works out itself, with 2 and 3 processes, and so do gradient buckets; a rank killed with SIGKILL makes the
# others fail fast with an error naming it; a stalled rank makes them fail at the timeout,
# saying every rank is alive. Usage: distributed_test.sh DISTRIBUTED_TOOL WORKDIR
set -uo pipefail
tool="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_group NAME WORLD ARGS...: runs WORLD ranks of the tool, output in $work/NAME.<rank>,
# exit codes in $work/NAME.<rank>.rc; waits for all.
start_group() {
  local name="$1" world="$2"
  shift 2
  local port
  port="$(free_port)"
  local pids=()
  for ((rank = 0; rank < world; rank++)); do
    (
      RANK=$rank WORLD_SIZE=$world LOCAL_RANK=$rank LOCAL_WORLD_SIZE=$world \
        MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$tool" "$@" >"$work/$name.$rank" 2>&1
      echo $? >"$work/$name.$rank.rc"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"
}

for world in 2 3; do
  start_group "collectives$world" "$world" collectives
  for ((rank = 0; rank < world; rank++)); do
    rc="$(cat "$work/collectives$world.$rank.rc")"
    out="$(cat "$work/collectives$world.$rank")"
    [ "$rc" = 0 ] && grep -q "ok rank $rank of $world" <<<"$out" ||
      fail "collectives, $world processes, rank $rank (exit $rc): $out"
  done
done

# Gradient buckets (optim/gradient_sync.h), sent during backward and after it.
for overlap in 1 0; do
  start_group "gradients$overlap" 3 gradients $overlap
  for rank in 0 1 2; do
    rc="$(cat "$work/gradients$overlap.$rank.rc")"
    out="$(cat "$work/gradients$overlap.$rank")"
    [ "$rc" = 0 ] && grep -q "ok rank $rank of 3" <<<"$out" ||
      fail "gradients, overlap $overlap, rank $rank (exit $rc): $out"
  done
done

# SIGKILL: rank 1 dies before a barrier; ranks 0 and 2 must name it within seconds (the timeout
# is 60 s, so an answer in under 20 s came from the dead connection and heartbeats).
start=$SECONDS
TEST_TIMEOUT_SECONDS=60 start_group die 3 die 1
elapsed=$((SECONDS - start))
[ "$elapsed" -lt 20 ] || fail "the survivors of a SIGKILL took ${elapsed} s"
[ "$(cat "$work/die.1.rc")" = 137 ] || fail "rank 1 was not killed: $(cat "$work/die.1.rc")"
for rank in 0 2; do
  out="$(cat "$work/die.$rank")"
  [ "$(cat "$work/die.$rank.rc")" = 0 ] || fail "rank $rank of die: $out"
  grep -q "^error: rank $rank of 3: collective 'the barrier rank 1 misses' failed" <<<"$out" ||
    fail "rank $rank does not name its collective: $out"
  grep -Eq "rank 1 \(PID [0-9]+ on [^)]+\) (has exited|stopped responding)" <<<"$out" ||
    fail "rank $rank does not name rank 1 as the failed rank: $out"
done

# Stall: rank 1 sleeps 30 s; with a 3 s timeout the others fail after ~3 s saying all are alive.
start=$SECONDS
TEST_TIMEOUT_SECONDS=3 start_group stall 2 stall 1 30 &
group=$!
sleep 1
deadline=$((SECONDS + 25))
until [ -f "$work/stall.0.rc" ] || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
elapsed=$((SECONDS - start))
out="$(cat "$work/stall.0" 2>/dev/null)"
[ -f "$work/stall.0.rc" ] && [ "$elapsed" -lt 20 ] ||
  fail "rank 0 did not time out within 20 s (${elapsed} s): $out"
grep -q "Every rank is alive" <<<"$out" && grep -q "rank 1 (PID [0-9]* on .*) is alive" <<<"$out" ||
  fail "the timeout message does not say rank 1 is alive: $out"
wait $group

if [ $failures -ne 0 ]; then
  echo "$failures failure(s); outputs in $work"
  exit 1
fi
echo "distributed processes: all scenarios passed"
