// deploy/kubernetes, checked offline: every manifest against the Kubernetes schemas (kubernetes-models bundles
// them), and the Job against what the generators need of it. No cluster runs here (see the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './helpers.ts';

const dir = path.join(ROOT, 'deploy/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment as never,
  'batch/v1/Job': Job as never,
  'v1/Service': Service as never,
};

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked below
type Doc = any;
const docs = (file: string): Doc[] => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS());

test('every manifest is valid against the Kubernetes schemas', () => {
  for (const file of ['server.yaml', 'generators.yaml']) {
    for (const doc of docs(file)) {
      const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new model(doc as never).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`);
    }
  }
  // and the validator does reject a wrong one
  assert.throws(() => new Job({ metadata: { name: 'x' }, spec: { completionMode: 'Indexd', template: { spec: { containers: [] } } } } as never).validate());
});

test('the generators are an Indexed Job: pod I runs segment I of N, all at one --start-at, the report on stdout', () => {
  const [job] = docs('generators.yaml');
  const spec = job.spec;
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.parallelism, spec.completions, 'all generators run at once');
  const container = spec.template.spec.containers[0];
  const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.equal(Number(env.SEGMENTS), spec.completions);
  const command = container.args.join(' ');
  assert.match(command, /--segment "\$JOB_COMPLETION_INDEX\/\$SEGMENTS"/);
  assert.match(command, /--start-at "\$START_AT"/);
  assert.match(command, /--json/);
  assert.equal(env.START_AT, '__START_AT__', 'run.sh fills in the start time');
  const [deployment, service] = docs('server.yaml');
  const port = service.spec.ports[0].port;
  assert.match(command, new RegExp(`--target tcp=tcp://${service.metadata.name}:${port}`));
  assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
  assert.equal(spawnSync('bash', ['-n', path.join(dir, 'run.sh')]).status, 0, 'run.sh parses');
});

test('the generator command is one this build accepts (checked with --dry-run, nothing run)', () => {
  const [job] = docs('generators.yaml');
  const args = job.spec.template.spec.containers[0].args[0]
    .split(' 2>')[0]
    .replace('node /app/bin/rpcbench.mjs bench', '')
    .replace('$JOB_COMPLETION_INDEX/$SEGMENTS', '1/4')
    .replace('$START_AT', new Date(Date.now() + 60_000).toISOString())
    .replace('rpcbench-server', '127.0.0.1')
    .replace('--json --out /tmp/rpcbench', '--dry-run');
  const argv = [...args.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rpcbench.mjs'), 'bench', ...argv], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cells on 1 server/);
});
