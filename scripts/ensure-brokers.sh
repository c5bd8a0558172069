#!/usr/bin/env bash
# Makes sure the brokers the suite talks to answer on their ports: RabbitMQ (AMQP_URL, default 127.0.0.1:5672),
# Redis (6379), NATS (4222), Mosquitto (1883), Kafka (KAFKA_URL, 9092), RocketMQ (ROCKETMQ_URL, its NameServer at
# 9876). A broker that is down is started with the command this machine kind uses; one that is not installed is
# reported, and its transports then skip with that reason. Kafka and RocketMQ are no Debian packages:
# scripts/kafka.sh and scripts/rocketmq.sh run Apache's own jars from Maven Central.
set -uo pipefail

hostport() { local u="${1#*://}"; u="${u#*@}"; u="${u%%/*}"; u="${u%%\?*}"; echo "$u"; }
up() { local hp="$1" host port; host="${hp%:*}"; port="${hp##*:}"; (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

ensure() { # NAME URL DEFAULT_PORT BINARY START...
  local name="$1" url="$2" default_port="$3" binary="$4"; shift 4
  local hp; hp=$(hostport "$url"); [[ "$hp" == *:* ]] || hp="$hp:$default_port"
  if up "$hp"; then echo "ensure-brokers: $name answers at $hp"; return; fi
  if ! command -v "$binary" >/dev/null; then echo "ensure-brokers: no $name at $hp and no $binary here: its transports will skip" >&2; return; fi
  echo "ensure-brokers: starting $name"
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 90); do up "$hp" && { echo "ensure-brokers: $name up at $hp"; return; }; sleep 1; done
  echo "ensure-brokers: $name did not open $hp within 90 s" >&2
  exit 1
}

mkdir -p /var/lib/redis /var/log/redis /var/lib/nats-server 2>/dev/null || true
# Debian's mosquitto.conf writes its pid under /run/mosquitto, which only its systemd unit creates: without it the
# broker exits at once (seen on a machine that starts no services)
mkdir -p /run/mosquitto 2>/dev/null && chown mosquitto /run/mosquitto 2>/dev/null || true
ensure RabbitMQ "${AMQP_URL:-amqp://127.0.0.1:5672}" 5672 rabbitmq-server rabbitmq-server -detached
ensure Redis "${REDIS_URL:-redis://127.0.0.1:6379}" 6379 redis-server \
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
ensure NATS "${NATS_URL:-nats://127.0.0.1:4222}" 4222 nats-server \
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
ensure Mosquitto "${MQTT_URL:-mqtt://127.0.0.1:1883}" 1883 mosquitto mosquitto -d -c "$(dirname "$0")/brokers/mosquitto.conf"
if command -v java >/dev/null && command -v mvn >/dev/null; then
  bash "$(dirname "$0")/kafka.sh" start || exit 1
  bash "$(dirname "$0")/rocketmq.sh" start || exit 1
else
  echo "ensure-brokers: no java or mvn here, so no Kafka and no RocketMQ: their transports will skip" >&2
fi
