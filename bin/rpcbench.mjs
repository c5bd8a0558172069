#!/usr/bin/env node
// The `rpcbench` command (`npx rpcbench bench|serve|compare|merge`): registers tsx, which runs the TypeScript
// sources as they are (no build step), then hands over to the dispatcher.
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
// generated Thrift code is CommonJS that require()s its neighbours
registerCjs();
const { dispatch } = await import('../bench/cli/main.ts');
dispatch(process.argv.slice(2));
