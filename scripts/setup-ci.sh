#!/usr/bin/env bash
# What the tests need beyond npm packages, installed from Debian or started if missing (as root, or with sudo):
#   Python peers for /usr/bin/python3 (interop tests, Celery included) and, from PyPI in a venv, zerorpc-python, Maven
#   (Kafka's jars and the Spring Kafka peers come from Maven Central), Java with Caucho's Hessian (the Java peers,
#   compiled at test time), Go (rpcx's server and client, built from the module proxy at test time), rabbitmq-server (also a second, private node for the durability tests), Chromium (the
#   HTML report test), iproute2 (network namespaces), promtool and Python's OpenMetrics parser, Java HdrHistogram and strace (outputs and loading
#   read back by their real consumers), and the brokers the suite talks to (RabbitMQ, Redis, NATS, Mosquitto),
#   started if they are down.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# "how to tell it is there" -> Debian package
need=()
check() { eval "$1" >/dev/null 2>&1 || need+=("$2"); }
check "command -v python3" python3
check "/usr/bin/python3 -c 'import pika'" python3-pika
check "/usr/bin/python3 -c 'import grpc'" python3-grpcio
check "/usr/bin/python3 -c 'import google.protobuf'" python3-protobuf
check "/usr/bin/python3 -c 'import thrift'" python3-thrift
check "/usr/bin/python3 -c 'import redis'" python3-redis
check "/usr/bin/python3 -c 'import paho.mqtt'" python3-paho-mqtt
check "/usr/bin/python3 -c 'import celery'" python3-celery
check "command -v javac" default-jdk-headless
check "command -v mvn" maven
check "command -v go" golang-go
check "test -f /usr/share/java/hessian.jar" libhessian-java
check "test -f /usr/share/java/hdrhistogram.jar" libhdrhistogram-java
check "command -v promtool" prometheus
check "/usr/bin/python3 -c 'import prometheus_client.openmetrics.parser'" python3-prometheus-client
check "command -v strace" strace
check "command -v redis-server" redis-server
check "command -v nats-server" nats-server
check "command -v mosquitto" mosquitto
check "command -v rabbitmq-server" rabbitmq-server
check "command -v ip" iproute2
check "test -x /usr/bin/chromium" chromium

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-ci: installing ${need[*]}"
  (sudo_ apt-get update -qq && sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null
fi

# the reference peers built from source (Maven, Go), built while the brokers start rather than in the tests: on a
# fresh machine that is where their minutes of downloads and compiling fit (npm ci first: the builder runs on tsx)
peers=
peersLog=$(mktemp)
if [ -d node_modules/tsx ]; then
  node --import tsx scripts/build-peers.ts > "$peersLog" 2>&1 &
  peers=$!
fi
# the peers that come from PyPI (zerorpc-python), in the project's own venv
bash scripts/python-peers.sh >/dev/null
bash scripts/ensure-brokers.sh
if [ -n "$peers" ]; then
  # a peer that did not build is not setup's failure: the tests that need it fail and say why
  wait "$peers" || echo "setup-ci: a reference peer did not build (the tests that need it will say why)"
  cat "$peersLog"
fi
rm -f "$peersLog"
