#!/usr/bin/env bash
# The runtime jars of a broker the suite runs from Maven Central (scripts/brokers/NAME/pom.xml), resolved once per
# hash of the pom and of the JDK, under RPCBENCH_CACHE (default ~/.cache/rpcbench), not in the repository; prints
# their directory. Used by scripts/kafka.sh and scripts/rocketmq.sh.
#   bash scripts/maven-jars.sh NAME WHAT    NAME: kafka or rocketmq; WHAT: how messages call the jars ("Kafka's jars")
set -euo pipefail
name=$1 what=$2
conf=$(cd "$(dirname "$0")" && pwd)/brokers/$name
say() { echo "$name.sh: $*" >&2; }

key=$( (cat "$conf/pom.xml"; java -version 2>&1) | sha256sum | cut -c1-16)
dir=${RPCBENCH_CACHE:-$HOME/.cache/rpcbench}/$name-$key
if [ ! -d "$dir/lib" ]; then
  tmp=$dir.tmp.$$
  mkdir -p "$tmp"
  say "resolving $what from Maven Central into $dir"
  # a deadline, so that an unreachable Maven Central fails this step instead of hanging CI
  if ! timeout 900 mvn -q -B -f "$conf/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/lib" > "$tmp.log" 2>&1; then
    grep -a ERROR "$tmp.log" | head -5 >&2; rm -rf "$tmp" "$tmp.log"; say "could not resolve $what (mvn, Maven Central)"; exit 1
  fi
  rm -f "$tmp.log"
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
fi
echo "$dir/lib"
