#!/usr/bin/env bash
# What the tests need beyond npm packages: python3 for the interop peers.
set -euo pipefail
command -v python3 >/dev/null || { echo "setup-ci: python3 is needed for the interop tests (apt-get install python3)" >&2; exit 1; }
