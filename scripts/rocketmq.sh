#!/usr/bin/env bash
# Apache RocketMQ for the suite, from Apache's own jars on Maven Central (scripts/brokers/rocketmq/pom.xml): a
# NameServer at ROCKETMQ_URL (default 127.0.0.1:9876) and one broker that registers with it, on the NameServer's port
# + 1035 (10911 by default, as RocketMQ's own default; it also takes the port 2 below that and 1 above).
#   bash scripts/rocketmq.sh start    resolve the jars once (cached by the hash of the pom and settings), start both,
#                                     and wait until the broker has registered with the NameServer
#   bash scripts/rocketmq.sh stop     SIGTERM to both, and SIGKILL after 30 s
#   bash scripts/rocketmq.sh status   exit 0 when both answer on their ports
# Files: the jars under RPCBENCH_CACHE (default ~/.cache/rpcbench), not in the repository; the store and the logs under
# ROCKETMQ_HOME_DIR (default /var/tmp/rpcbench-rocketmq). Heaps: ROCKETMQ_HEAP (default 512m) for the broker, 128m for
# the NameServer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/brokers/rocketmq
url=${ROCKETMQ_URL:-127.0.0.1:9876}
hp=${url#*://}; hp=${hp%%/*}; hp=${hp%%\?*}; hp=${hp#*@}
host=${hp%:*}; port=${hp##*:}; [ "$host" != "$port" ] || port=9876
bport=$((port + 1035))
home=${ROCKETMQ_HOME_DIR:-/var/tmp/rpcbench-rocketmq}

open() { (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }
up() { open "$port" && open "$bport"; }
say() { echo "rocketmq.sh: $*"; }

launch() { # NAME HEAP CLASS ARGS...: its JVM started in the background, its pid in NAME.pid
  local name=$1 heap=$2; shift 2
  setsid nohup java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MaxDirectMemorySize=256m \
    -Djava.awt.headless=true "-Drocketmq.home.dir=$home" "-Duser.home=$home/$name" -cp "$lib/*" "$@" \
    > "$home/$name.log" 2>&1 < /dev/null &
  echo $! > "$home/$name.pid"
}

wait_for() { # NAME PORT PATTERN: until its log says PATTERN and the port answers, at most 60 s
  for _ in $(seq 1 120); do
    if grep -q "$3" "$home/$1.log" 2>/dev/null && open "$2"; then return; fi
    kill -0 "$(cat "$home/$1.pid")" 2>/dev/null || { say "the $1 exited before it started:" >&2; tail -20 "$home/$1.log" >&2; exit 1; }
    sleep 0.5
  done
  say "the $1 did not start within 60 s:" >&2; tail -20 "$home/$1.log" >&2; exit 1
}

start() {
  if up; then say "answers at $host:$port (broker $host:$bport)"; return; fi
  command -v java >/dev/null || { say "no java here (Debian: apt-get install default-jre-headless)" >&2; exit 1; }
  lib=$(bash "$here/maven-jars.sh" rocketmq "RocketMQ's jars")
  mkdir -p "$home/store" "$home/namesrv" "$home/broker"
  if ! open "$port"; then
    { cat "$conf/namesrv.conf"; echo "listenPort=$port"; } > "$home/namesrv.conf"
    say "starting the NameServer at $host:$port (log: $home/namesrv.log)"
    launch namesrv 128m org.apache.rocketmq.namesrv.NamesrvStartup -c "$home/namesrv.conf"
    wait_for namesrv "$port" "boot success"
  fi
  { cat "$conf/broker.conf"; echo "listenPort=$bport"; echo "namesrvAddr=$host:$port"
    echo "storePathRootDir=$home/store"; echo "storePathCommitLog=$home/store/commitlog"; } > "$home/broker.conf"
  say "starting the broker at $host:$bport (log: $home/broker.log)"
  launch broker "${ROCKETMQ_HEAP:-512m}" org.apache.rocketmq.broker.BrokerStartup -c "$home/broker.conf"
  wait_for broker "$bport" "boot success"
  say "up at $host:$port (broker $host:$bport)"
}

stop_one() {
  local pidfile=$home/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null && say "the $1 killed after 30 s" || say "the $1 stopped"
  fi
  rm -f "$pidfile"
}

stop() {
  [ -f "$home/broker.pid" ] || [ -f "$home/namesrv.pid" ] || { say "not started by this script"; return; }
  stop_one broker
  stop_one namesrv
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) up ;;
  *) echo "usage: bash scripts/rocketmq.sh start|stop|status" >&2; exit 2 ;;
esac
