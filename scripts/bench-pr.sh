#!/usr/bin/env bash
# Benchmarks a base checkout and this checkout in turns (base, head, base, head, ...) so both see the
# same machine, then runs the regression gate on the pooled runs. Exit: the gate's (0 ok, 1 regression, 2 undecided or bad input).
#
#   scripts/bench-pr.sh BASE_DIR [RUNS]       both checkouts need `npm ci` first; RUNS per side, default 8 (what the gate needs for the quick matrix)
#
# Env: RPCBENCH_ARGS (bench options, default --quick --trials 1: runs, not trials, are the samples), RPCBENCH_COMPARE_ARGS (e.g. --normalize),
#      RPCBENCH_PR_OUT (default reports/pr). Writes base-N/ and head-N/ reports, compare.md and
#      benchmark-action.json (+ .bigger.json) there.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/bench-pr.sh BASE_DIR [RUNS]" >&2; exit 2; }
base=$(cd "$1" && pwd)
runs=${2:-8}
out=${RPCBENCH_PR_OUT:-reports/pr}
read -r -a bench_args <<< "${RPCBENCH_ARGS:---quick --trials 1}"
read -r -a compare_args <<< "${RPCBENCH_COMPARE_ARGS:-}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

for i in $(seq "$runs"); do
  echo "bench-pr: run $i/$runs of the base" >&2
  (cd "$base" && npm run --silent bench -- "${bench_args[@]}" --out "$out/base-$i" > "$out/base-$i.txt")
  echo "bench-pr: run $i/$runs of the head" >&2
  npm run --silent bench -- "${bench_args[@]}" --out "$out/head-$i" > "$out/head-$i.txt"
done

files() { local side=$1; seq "$runs" | sed "s|.*|$out/$side-&/latest.json|" | paste -sd, -; }
status=0
# the terminal view on stdout; every cell in compare.md (for $GITHUB_STEP_SUMMARY)
npm run --silent compare -- "$(files base)" "$(files head)" --markdown "$out/compare.md" \
  --export benchmark-action "$out/benchmark-action.json" "${compare_args[@]}" || status=$?
exit "$status"
