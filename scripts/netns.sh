#!/usr/bin/env bash
# Hosts on one machine: network namespaces joined by veth pairs on a bridge, the link given a round-trip delay,
# jitter and loss with tc netem. A server host, N client hosts, each on its own address:
#
#   PREFIX-srv  10.77.0.1     PREFIX-c1  10.77.0.11     PREFIX-c2  10.77.0.12   ...
#   PREFIX-net  the bridge (and 10.77.0.254, see below)
#
#   scripts/netns.sh check                          can namespaces be made here? (root, iproute2); why not
#   scripts/netns.sh up [--rtt-ms 2] [--jitter-ms 0] [--loss-pct 0] [--clients 2] [--ports 4242,6379]
#   scripts/netns.sh server-address                 where clients reach the server (see below)
#   scripts/netns.sh exec srv|c1|c2|... CMD ...     run CMD on that host
#   scripts/netns.sh down                           remove everything `up` made (and stop what runs there)
#
# The delay: half the round trip on each host's side of the link, with netem. A kernel built without netem
# (CONFIG_NET_SCH_NETEM unset, as on this project's CI machines) gets a userspace delay relay instead, on the
# bridge host at 10.77.0.254, forwarding --ports to the server with half the round trip each way (jitter too;
# loss needs netem, and `up` refuses it without). `server-address` prints the address to use either way.
# PREFIX is $RPCBENCH_NETNS (default rpcb). Only these namespaces' own addresses are ever used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
P=${RPCBENCH_NETNS:-rpcb}
state=/run/rpcbench-netns-$P
net=$P-net
srv=$P-srv

die() { echo "netns.sh: $*" >&2; exit 1; }

check() {
  [ "$(id -u)" = 0 ] || { echo "network namespaces need root"; return 1; }
  command -v ip > /dev/null && command -v tc > /dev/null || { echo "iproute2 (ip, tc) is not installed"; return 1; }
  local probe=$P-probe$$
  ip netns add "$probe" 2> /dev/null || { echo "this machine does not allow network namespaces (ip netns add failed)"; return 1; }
  ip netns del "$probe"
}

has_netem() {
  local probe=$P-netem$$ ok=1
  ip netns add "$probe"
  tc -n "$probe" qdisc add dev lo root netem delay 1ms 2> /dev/null && ok=0
  ip netns del "$probe"
  return $ok
}

host_ns() { case "$1" in srv) echo "$srv" ;; net) echo "$net" ;; c[0-9]*) echo "$P-$1" ;; *) die "unknown host $1 (srv, c1, c2, ...)" ;; esac; }

# a veth from host namespace $1 (address $2) to the bridge; $3 the interface's short name
link_host() {
  local ns=$1 addr=$2 short=$3
  ip netns add "$ns"
  ip link add "$P$short" type veth peer name "$P${short}b"
  ip link set "$P$short" netns "$ns"
  ip link set "$P${short}b" netns "$net"
  ip -n "$net" link set "$P${short}b" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$P$short" name eth0
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
}

up() {
  local rtt=0 jitter=0 loss=0 clients=2 ports=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --rtt-ms) rtt=$2; shift 2 ;;
      --jitter-ms) jitter=$2; shift 2 ;;
      --loss-pct) loss=$2; shift 2 ;;
      --clients) clients=$2; shift 2 ;;
      --ports) ports=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  local why; why=$(check) || die "$why"
  [ -d "$state" ] && die "already up ($state): scripts/netns.sh down first"
  mkdir -p "$state"
  trap 'echo "netns.sh: set-up failed: removing what it made" >&2; down' ERR
  ip netns add "$net"
  ip -n "$net" link add br0 type bridge
  ip -n "$net" link set br0 up
  ip -n "$net" link set lo up
  ip -n "$net" addr add 10.77.0.254/24 dev br0
  link_host "$srv" 10.77.0.1 s0
  for i in $(seq "$clients"); do link_host "$P-c$i" "10.77.0.$((10 + i))" "c$i"; done
  local half; half=$(awk "BEGIN { print $rtt / 2 }")
  local halfj; halfj=$(awk "BEGIN { print $jitter / 2 }")
  echo 10.77.0.1 > "$state/server-address"
  if [ "$rtt" != 0 ] || [ "$jitter" != 0 ] || [ "$loss" != 0 ]; then
    if has_netem; then
      for ns in "$srv" $(seq -f "$P-c%g" "$clients"); do
        tc -n "$ns" qdisc add dev eth0 root netem delay "${half}ms" "${halfj}ms" loss "${loss}%"
      done
      echo netem > "$state/delay"
    else
      [ "$loss" = 0 ] || { trap - ERR; down; die "loss needs tc netem, which this kernel does not have"; }
      [ -n "$ports" ] || { trap - ERR; down; die "this kernel has no tc netem: the delay relay needs --ports"; }
      ip netns exec "$net" node "$here/delay-relay.mjs" 10.77.0.254 10.77.0.1 "$half" "$halfj" ${ports//,/ } > "$state/relay.log" 2>&1 &
      echo $! > "$state/relay.pid"
      for _ in $(seq 50); do grep -q relaying "$state/relay.log" && break; sleep 0.1; done
      grep -q relaying "$state/relay.log" || { trap - ERR; down; die "the delay relay did not start: $(cat "$state/relay.log")"; }
      echo 10.77.0.254 > "$state/server-address"
      echo relay > "$state/delay"
    fi
  fi
  echo "$clients" > "$state/clients"
  trap - ERR
  echo "netns.sh: up: server 10.77.0.1, clients 10.77.0.11-$((10 + clients)), round trip ${rtt} ms via $(cat "$state/delay" 2> /dev/null || echo 'no delay'); clients reach the server at $(cat "$state/server-address")"
}

down() {
  [ -f "$state/relay.pid" ] && kill "$(cat "$state/relay.pid")" 2> /dev/null || true
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^$P-(srv|net|c[0-9]+)$" || true); do
    # what still runs on a host goes with it
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill "$pid" 2> /dev/null || true; done
    sleep 0.2
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill -9 "$pid" 2> /dev/null || true; done
    ip netns del "$ns" 2> /dev/null || true
  done
  rm -rf "$state"
}

case "${1:-}" in
  check) why=$(check) || { echo "$why"; exit 1; } ;;
  up) shift; up "$@" ;;
  down) down ;;
  server-address) cat "$state/server-address" 2> /dev/null || die "not up" ;;
  exec) shift; ns=$(host_ns "${1:?host}"); shift; exec ip netns exec "$ns" "$@" ;;
  *) die "usage: netns.sh check | up [--rtt-ms MS] [--jitter-ms MS] [--loss-pct P] [--clients N] [--ports P,P] | server-address | exec HOST CMD... | down" ;;
esac
