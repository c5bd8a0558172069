#!/usr/bin/env bash
# The matrix across a real link at several round-trip times: for each RTT, a server host and a client host
# (scripts/netns.sh), our servers and the brokers (Redis, NATS, Mosquitto) on the server host, the bench on the
# client host against them (--target), then one report of how each transport's latency and calls/s change with
# the delay, and how many round trips a call costs (scripts/netem-report.ts).
#
#   scripts/netem-bench.sh [--rtts 0,1,10,50] [--out reports/netem] [-- BENCH OPTIONS]
#
# Bench options default to: --calls getObj --scenarios latency,throughput --concurrency 1,16 --duration 1s
# --trials 2 --warmup 1. Needs root and iproute2 (scripts/netns.sh check). RabbitMQ is left out: a broker node
# per namespace takes longer to start than the rest of the sweep runs; the amqp rows are a loopback matter here.
set -euo pipefail
cd "$(dirname "$0")/.."
rtts=0,1,10,50
out=reports/netem
while [ $# -gt 0 ]; do
  case "$1" in
    --rtts) rtts=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "netem-bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=(--calls getObj --scenarios latency,throughput --concurrency 1,16 --duration 1s --trials 2 --warmup 1)
export RPCBENCH_NETNS=${RPCBENCH_NETNS:-rpcnm}
why=$(scripts/netns.sh check) || { echo "netem-bench.sh: $why" >&2; exit 2; }

# transport -> the address its server listens on, on the server host (H); brokered ones: the broker's address.
# From the registry (scripts/netem-plan.ts): every transport of the default matrix whose server, or broker, the
# sweep can start there; it names those it leaves out.
broker_ports=6379,4222,1883
declare -A LISTEN=()
while IFS=$'\t' read -r name listen; do LISTEN[$name]=$listen; done < <(node --import tsx scripts/netem-plan.ts "$broker_ports")
ports=$(for t in "${!LISTEN[@]}"; do l=${LISTEN[$t]#*//H:}; echo "${l%%[/?]*}"; done | sort -un | paste -sd, -)
mkdir -p "$out"
tmp=$(mktemp -d)
cleanup() { scripts/netns.sh down > /dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

on_server() { scripts/netns.sh exec srv "$@"; }

start_brokers() {
  # not loopback: Redis would refuse everyone in protected mode; these namespaces are reachable from nowhere else
  on_server redis-server --bind 10.77.0.1 --port 6379 --protected-mode no --save '' --appendonly no > "$tmp/redis.log" 2>&1 &
  on_server nats-server -a 10.77.0.1 -p 4222 > "$tmp/nats.log" 2>&1 &
  printf 'listener 1883 10.77.0.1\nallow_anonymous true\n' > "$tmp/mosquitto.conf"
  on_server mosquitto -c "$tmp/mosquitto.conf" > "$tmp/mosquitto.log" 2>&1 &
  for port in 6379 4222 1883; do
    for _ in $(seq 100); do on_server bash -c "exec 3<>/dev/tcp/10.77.0.1/$port" 2> /dev/null && break; sleep 0.1; done
  done
}

for rtt in ${rtts//,/ }; do
  echo "netem-bench: round trip ${rtt} ms" >&2
  scripts/netns.sh up --rtt-ms "$rtt" --clients 1 --ports "$ports" >&2
  start_brokers
  address=$(scripts/netns.sh server-address)
  targets=()
  for t in "${!LISTEN[@]}"; do
    listen=${LISTEN[$t]//H/10.77.0.1}
    on_server node bin/rpcbench.mjs serve --transport "$t" --listen "$listen" > "$tmp/serve-${t//:/-}.log" 2>&1 &
    targets+=(--target "$t=${LISTEN[$t]//H/$address}")
  done
  for t in "${!LISTEN[@]}"; do
    for _ in $(seq 100); do grep -q listening "$tmp/serve-${t//:/-}.log" 2> /dev/null && break; sleep 0.1; done
    grep -q listening "$tmp/serve-${t//:/-}.log" || { echo "netem-bench: $t did not start: $(cat "$tmp/serve-${t//:/-}.log")" >&2; exit 1; }
  done
  status=0
  scripts/netns.sh exec c1 node bin/rpcbench.mjs bench "${targets[@]}" "${bench_args[@]}" --out "$out/rtt-$rtt" > "$out/rtt-$rtt.txt" 2>&1 || status=$?
  [ "$status" -le 1 ] || { echo "netem-bench: the bench failed at ${rtt} ms: $(tail -3 "$out/rtt-$rtt.txt")" >&2; exit "$status"; }
  scripts/netns.sh down
done
files=()
for rtt in ${rtts//,/ }; do files+=("$rtt=$out/rtt-$rtt/latest.json"); done
node --import tsx scripts/netem-report.ts "${files[@]}" > "$out/netem.md"
echo "netem-bench: $out/netem.md" >&2
cat "$out/netem.md"
