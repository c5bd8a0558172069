#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers at AMQP_URL's host and port (default 127.0.0.1:5672).
# Starts the local one (rabbitmq-server -detached) when it is down and waits for its port.
set -euo pipefail
url="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"; hostport="${hostport%%\?*}"
host="${hostport%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5672

up() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if up; then echo "ensure-rabbitmq: broker answers at $host:$port"; exit 0; fi
if ! command -v rabbitmq-server >/dev/null; then
  echo "ensure-rabbitmq: no broker at $host:$port and no rabbitmq-server here; set AMQP_URL or start Docker (rpcbench then starts one with testcontainers)" >&2
  exit 0  # the amqp tests then skip with that reason; the rest still runs
fi
echo "ensure-rabbitmq: starting rabbitmq-server"
rabbitmq-server -detached
for _ in $(seq 1 90); do
  if up; then echo "ensure-rabbitmq: broker up at $host:$port"; exit 0; fi
  sleep 1
done
echo "ensure-rabbitmq: rabbitmq-server did not open $host:$port within 90 s" >&2
exit 1
