#!/usr/bin/env bash
# The PyPI peers of the interop tests (test/fixtures/pypi/requirements.txt) in a virtual environment of the project's,
# made once per hash of that file and of the Python that runs it, under RPCBENCH_CACHE (default ~/.cache/rpcbench),
# which is not in the repository and which CI may keep. Prints the environment's python.
#   bash scripts/python-peers.sh           make it if missing, print its python
#   bash scripts/python-peers.sh --path    only print where its python is (made or not)
set -euo pipefail
cd "$(dirname "$0")/.."

req=test/fixtures/pypi/requirements.txt
python=${RPCBENCH_PYTHON:-python3}
key=$( (cat "$req"; "$python" --version 2>&1) | sha256sum | cut -c1-16)
venv=${RPCBENCH_CACHE:-$HOME/.cache/rpcbench}/venv-$key
if [ "${1:-}" = --path ]; then echo "$venv/bin/python"; exit 0; fi

if [ ! -x "$venv/bin/python" ]; then
  tmp=$venv.tmp.$$
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$tmp" || { echo "python-peers: $python -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  # a deadline, so that an unreachable PyPI fails this step instead of hanging CI
  timeout 600 "$tmp/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  # complete or not there at all: a run killed midway leaves only its .tmp directory. Only bin/python is used, and
  # it finds its packages from where it lies, so the move keeps it whole (pip's own scripts would not be).
  mv -T "$tmp" "$venv" 2>/dev/null || rm -rf "$tmp" # another run made it meanwhile: theirs is as good
fi
echo "$venv/bin/python"
