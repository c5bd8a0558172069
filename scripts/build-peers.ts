// Builds every reference peer that is built from source (the Maven projects and the Go module of transports/reference
// and test/fixtures) into the build cache, as the rows and the tests would on their first use, and says how long each
// took. setup-ci.sh runs it while the brokers start: on a fresh machine the builds then use the minutes spent waiting
// on the brokers, not the tests' own (where they ran beside two other test files on two cores). A build already in
// the cache (same sources, same toolchain) is found, not made again. Exit 1 if one cannot be built, saying why.
//   node --import tsx scripts/build-peers.ts

import { mavenPeer } from '../test/fixtures/maven-peer.ts';
import { buildDubboPeer } from '../transports/dubbo-java.ts';
import { buildMotanPeer } from '../transports/motan-java.ts';
import { buildRpcxPeer } from '../transports/rpcx-go.ts';
import { springCloud } from '../transports/spring-cloud.ts';

const peers: [name: string, build: () => Promise<string | false | null>][] = [
  ['dubbo (Java provider and consumer)', async () => (await buildDubboPeer()).missing],
  ['motan (Java provider and client)', async () => (await buildMotanPeer()).missing],
  ['spring-cloud (Spring Boot server, OpenFeign client)', () => springCloud.prepare()],
  ['rpcx (Go server and client)', async () => (await buildRpcxPeer()).missing],
  ['spring-kafka (test peer)', async () => (await mavenPeer('spring-kafka')).missing],
  ['rocketmq-java (test peer)', async () => (await mavenPeer('rocketmq-java')).missing],
];

let failed = 0;
for (const [name, build] of peers) {
  const started = Date.now();
  const missing = await build();
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (missing) failed++;
  console.log(`build-peers: ${name}: ${missing ? `not built: ${missing}` : 'built'} (${took})`);
}
process.exit(failed ? 1 : 0);
