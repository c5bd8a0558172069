#!/usr/bin/env bash
# Regenerates the Python messages of transports/idl/rpcbench.proto for the gRPC interop peers (Debian's
# protobuf-compiler, matching python3-protobuf): test/fixtures/generated/rpcbench_pb2.py. Node needs no generated
# code (proto-loader reads the .proto at run time); the Python service glue is written by hand in the fixtures,
# so grpc_tools is not needed either.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "gen-grpc: needs protoc (apt-get install protobuf-compiler)" >&2; exit 1; }
mkdir -p test/fixtures/generated
protoc --python_out=test/fixtures/generated -I transports/idl transports/idl/rpcbench.proto
echo "gen-grpc: generated with $(protoc --version)"
