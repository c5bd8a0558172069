#!/usr/bin/env bash
# Regenerates the committed code of transports/idl/rpcbench.proto (Debian's protobuf-compiler):
#   transports/generated/connect/rpcbench_pb.ts    protobuf-es messages for grpc:connect (protoc-gen-es, an npm devDependency)
#   test/fixtures/generated/rpcbench_pb2.py        Python messages for the interop peers (matching python3-protobuf)
# grpc (grpc-js) needs no generated code: proto-loader reads the .proto at run time. The Python service glue is
# written by hand in the fixtures, so grpc_tools is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "gen-grpc: needs protoc (apt-get install protobuf-compiler)" >&2; exit 1; }
mkdir -p test/fixtures/generated transports/generated/connect
protoc --python_out=test/fixtures/generated -I transports/idl transports/idl/rpcbench.proto
protoc --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out=transports/generated/connect \
  --es_opt=target=ts,import_extension=ts -I transports/idl transports/idl/rpcbench.proto
echo "gen-grpc: generated with $(protoc --version)"
