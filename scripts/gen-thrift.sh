#!/usr/bin/env bash
# Regenerates the committed Thrift code from transports/idl/rpcbench.thrift (Debian's thrift-compiler):
#   transports/generated/thrift/  for the thrift npm package 0.24 (only `js:node,es6` works with it: plain
#                                  `js:node` needs thrift.Q, which 0.24 dropped)
#   test/fixtures/generated/      for Debian's python3-thrift (the interop peers)
# The generator does not export the argument and result structs; the codec timing needs them, so they are exported here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v thrift >/dev/null || { echo "gen-thrift: needs the thrift compiler (apt-get install thrift-compiler)" >&2; exit 1; }
idl=transports/idl/rpcbench.thrift
rm -rf transports/generated/thrift test/fixtures/generated/rpcbench
mkdir -p transports/generated/thrift test/fixtures/generated
thrift --gen js:node,es6 -out transports/generated/thrift "$idl"
thrift --gen py -out test/fixtures/generated "$idl"
structs=$(grep -o '^const Rpcbench_[A-Za-z]*_\(args\|result\)' transports/generated/thrift/Rpcbench.js | sed 's/^const //')
for s in $structs; do echo "exports.$s = $s;"; done >> transports/generated/thrift/Rpcbench.js
echo "gen-thrift: generated with $(thrift --version)"
