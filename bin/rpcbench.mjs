#!/usr/bin/env node
// The `rpcbench` command (`npx rpcbench bench|serve|compare|gate|merge|history`). In a checkout it runs the TypeScript
// sources as they are, through tsx (no build step); the installed package has no sources, and runs its JavaScript
// build in dist/ (npm run build), where tsx is loaded only for a TypeScript plugin.
import { existsSync } from 'node:fs';

const sources = new URL('../bench/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  const { register: registerCjs } = await import('tsx/cjs/api');
  register();
  // generated Thrift code is CommonJS that require()s its neighbours
  registerCjs();
}
const { dispatch } = await import(existsSync(sources) ? sources.href : new URL('../dist/bench/cli/main.js', import.meta.url).href);
dispatch(process.argv.slice(2));
