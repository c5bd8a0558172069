#!/usr/bin/env bash
# npm test. The suites that measure time or speed (the compare gate on real runs, capacity against its ground truth,
# deadlines, hosts 2 ms apart) run one file at a time, so that nothing else competes for the two cores; the rest check
# correctness against real peers and brokers, and run three files at a time: most of their time is spent waiting on
# a broker, a JVM or a child process (two at a time, a cold fresh clone's .ci/run took 24m07s of its 25 minutes,
# the group 595 s of it). `rpcbench gate`'s test is among the rest: the change it must find is 300 µs a call on a p50
# of about 180 µs, paired by round, far beyond what a neighbour moves. Every file runs, whatever an earlier one did; the exit code is 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

serial=(capacity cli compare faults harness merge netns options probe promises report)
# the longest of the rest (1-3.5 minutes each on a fresh clone) start first, so that the lanes end together rather
# than one long file running alone at the end
first=(gate docs-commands brokers hostile rocketmq)
timed=()
rest=()
for name in "${first[@]}"; do rest+=("test/$name.test.ts"); done
for file in test/*.test.ts; do
  name=$(basename "$file" .test.ts)
  if [[ " ${serial[*]} " == *" $name "* ]]; then timed+=("$file"); elif [[ " ${first[*]} " != *" $name "* ]]; then rest+=("$file"); fi
done
[ $# -gt 0 ] && { timed=(); rest=("$@"); }

# a file's time limit: 600 s, 2.8 times the longest (capacity.test.ts, 216 s on a quiet fresh clone; with stress-ng
# beside it, 300 s was not enough); .ci/run's own 30 minutes bound the whole
run() { node --import tsx --test --test-concurrency="$1" --test-timeout=600000 "${@:2}"; }
status=0
if [ ${#timed[@]} -gt 0 ]; then run 1 "${timed[@]}" || status=1; fi
if [ ${#rest[@]} -gt 0 ]; then run 3 "${rest[@]}" || status=1; fi
exit $status
