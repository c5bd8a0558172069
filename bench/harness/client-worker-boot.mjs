// Entry of a client worker thread. A worker cannot start from a .ts file on Node 20 (the parent's --import hooks
// do not reach it), and tsx's scoped tsImport breaks require() inside CommonJS modules (generated Thrift code);
// so this plain module registers tsx for the whole thread, then loads the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./client-worker.ts');
