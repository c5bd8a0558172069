// npm run build (npm pack runs it): the package's JavaScript in dist/, from tsconfig.build.json, and beside it every
// file the code reads at run time that is not TypeScript (the JSON schemas, the IDL, the generated Thrift code, the
// .mjs entries of worker threads, the reference servers' Maven projects), at the same relative paths.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: ['ignore', 2, 2],
  timeout: 300_000,
});
for (const dir of ['bench', 'transports']) {
  for (const file of readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
    if (/\.(json|proto|thrift|js|mjs)$/.test(file)) cpSync(path.join(root, dir, file), path.join(dist, dir, file));
  }
}
// the reference servers a row builds on its first run (Maven projects, Go modules: their sources)
cpSync(path.join(root, 'transports/reference'), path.join(dist, 'transports/reference'), { recursive: true });
console.error(`build: ${path.relative(root, dist)}/ written`);
