#!/usr/bin/env bash
# Runs deploy/kubernetes on the cluster kubectl points at: the server, then the generators starting together
# in START_DELAY seconds (default 60: time for every pod to be scheduled and pull the image), then collects each
# generator's report from its pod log and merges them into OUT (default reports/k8s). Removes the Job and the
# server at the end, also on failure. The image (rpcbench:latest, deploy/Dockerfile) must be reachable by the
# cluster: `docker build -f deploy/Dockerfile -t rpcbench .` and load or push it first.
#
#   deploy/kubernetes/run.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-reports/k8s}
delay=${START_DELAY:-60}
dir=deploy/kubernetes
segments=$(awk '/^  completions:/ { print $2 }' "$dir/generators.yaml")
cleanup() {
  kubectl delete --ignore-not-found -f "$dir/server.yaml" > /dev/null || true
  kubectl delete --ignore-not-found job/rpcbench-generators > /dev/null || true
}
trap cleanup EXIT

kubectl apply -f "$dir/server.yaml"
kubectl rollout status deployment/rpcbench-server --timeout=180s
start=$(date -u -d "+$delay sec" +%Y-%m-%dT%H:%M:%SZ)
sed "s/__START_AT__/$start/" "$dir/generators.yaml" | kubectl apply -f -
echo "run.sh: $segments generators start at $start" >&2
# every pod ends: a generator that exits 1 (calls failed, a threshold crossed) still printed its report
for _ in $(seq 3600); do
  read -r done failed < <(kubectl get job/rpcbench-generators -o jsonpath='{.status.succeeded} {.status.failed}' | awk '{ print $1 + 0, $2 + 0 }')
  [ $((done + failed)) -ge "$segments" ] && break
  sleep 1
done

mkdir -p "$out/segments"
files=()
for i in $(seq 0 $((segments - 1))); do
  pod=$(kubectl get pods -l "job-name=rpcbench-generators,batch.kubernetes.io/job-completion-index=$i" -o name | head -1)
  kubectl logs "$pod" > "$out/segments/$i.json"
  files+=("$out/segments/$i.json")
done
node bin/rpcbench.mjs merge "${files[@]}" --out "$out"
