// Entry of a client worker thread. A worker cannot start from a .ts file on Node 20 (the parent's --import hooks
// do not reach it), and tsx's scoped tsImport breaks require() inside CommonJS modules (generated Thrift code);
// so this plain module registers tsx for the whole thread (a plugin may be TypeScript), then loads the entry: the
// TypeScript source in a checkout, its build in the installed package.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const source = new URL('./client-worker.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('./client-worker.js', import.meta.url).href);
