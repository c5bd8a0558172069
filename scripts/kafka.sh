#!/usr/bin/env bash
# Apache Kafka for the suite, from Apache's own jars on Maven Central (scripts/brokers/kafka/pom.xml): one combined
# broker and controller in KRaft mode at KAFKA_URL (default 127.0.0.1:9092; the controller on the next port).
#   bash scripts/kafka.sh start    resolve the jars once (cached by the hash of the pom and settings), format the
#                                  storage on first start, start it, and wait until it says it has started
#   bash scripts/kafka.sh stop     SIGTERM, and SIGKILL after 30 s
#   bash scripts/kafka.sh status   exit 0 when it answers on its port
# Files: the jars under RPCBENCH_CACHE (default ~/.cache/rpcbench), not in the repository; the data and log under
# KAFKA_HOME_DIR (default /var/tmp/rpcbench-kafka). Heap: KAFKA_HEAP (default 512m).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
conf=$here/brokers/kafka
url=${KAFKA_URL:-127.0.0.1:9092}
hp=${url#*://}; hp=${hp%%/*}; hp=${hp%%\?*}
host=${hp%:*}; port=${hp##*:}; [ "$host" != "$port" ] || port=9092
home=${KAFKA_HOME_DIR:-/var/tmp/rpcbench-kafka}
pidfile=$home/kafka.pid
log=$home/kafka.log

up() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
say() { echo "kafka.sh: $*"; }

settings() { # the broker's settings, for this port
  cat "$conf/server.properties"
  echo "listeners=PLAINTEXT://$host:$port,CONTROLLER://$host:$((port + 1))"
  echo "advertised.listeners=PLAINTEXT://$host:$port"
  echo "controller.quorum.bootstrap.servers=$host:$((port + 1))"
  echo "log.dirs=$home/data"
}

start() {
  if up; then say "answers at $host:$port"; return; fi
  command -v java >/dev/null || { say "no java here (Debian: apt-get install default-jre-headless)" >&2; exit 1; }
  local lib; lib=$(bash "$here/maven-jars.sh" kafka "Kafka's jars")
  mkdir -p "$home"
  settings > "$home/server.properties"
  local java=(java "-Xms${KAFKA_HEAP:-512m}" "-Xmx${KAFKA_HEAP:-512m}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$conf/log4j2.properties" -cp "$lib/*")
  if [ ! -f "$home/data/meta.properties" ]; then
    rm -rf "$home/data"
    "${java[@]}" kafka.tools.StorageTool format --standalone -t "$("${java[@]}" kafka.tools.StorageTool random-uuid)" -c "$home/server.properties" >/dev/null
  fi
  say "starting Kafka at $host:$port (log: $log)"
  setsid nohup "${java[@]}" kafka.Kafka "$home/server.properties" > "$log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started" "$log" 2>/dev/null && up; then say "up at $host:$port"; return; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { say "exited before it started:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.5
  done
  say "did not start within 60 s:" >&2; tail -20 "$log" >&2; exit 1
}

stop() {
  [ -f "$pidfile" ] || { say "not started by this script"; return; }
  local pid; pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null && say "killed after 30 s" || say "stopped"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) up ;;
  *) echo "usage: bash scripts/kafka.sh start|stop|status" >&2; exit 2 ;;
esac
