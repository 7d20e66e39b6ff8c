# Sourced by the data-parallel tests (data_parallel.sh, zero_sharding.sh) after they set
# r1forge, work and root: configs/tiny/resume.yaml's inputs made in a fresh $work (cd there),
# failure counting, and running its pipeline in one process (`one DIR [overrides]`) or in two
# under `r1forge launch` (`two DIR [overrides]`), each appending to DIR.log, with `settings`
# giving every rank a share of every step (pretrain 2 micro-batches of 3 rows, GRPO 2 of 2
# rows per mini-batch, SFT 2 of 2 rows; every step checkpoints, resume.yaml).
# Not here: what each test compares.
source "$root/tests/integration/stall_util.sh"
config="$root/configs/tiny/resume.yaml"
compare="$root/tests/integration/compare_runs.py"
weights="$root/tests/integration/compare_weights.py"
make_smoke_data "$r1forge" "$work" "$root"
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export OMP_WAIT_POLICY=PASSIVE

settings=(stages.rl.grpo.micro_batch_size=2 stages.sft.sft.micro_batch_size=2)
one() { "$r1forge" run "$config" run.dir="$1" "${settings[@]}" "${@:2}" >>"$1.log" 2>&1; }
two() {
  "$r1forge" launch --nproc-per-node 2 --master-port 0 --grace-seconds 5 -- \
    "$r1forge" run "$config" run.dir="$1" "${settings[@]}" "${@:2}" >>"$1.log" 2>&1
}
