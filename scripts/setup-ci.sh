#!/usr/bin/env bash
# What the tests need beyond npm packages, installed or started if missing:
#   python3 (XML-RPC interop), python3-pika for /usr/bin/python3 (RabbitMQ tutorial interop), a RabbitMQ broker.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "setup-ci: python3 is needed for the interop tests" >&2; exit 1; }

if ! /usr/bin/python3 -c 'import pika' 2>/dev/null; then
  echo "setup-ci: installing python3-pika"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pika) >/dev/null
fi

bash scripts/ensure-rabbitmq.sh
