// What every command shares: `--version`, one error format, exit codes, and clean-up before exiting.
//   rpcbench <command>: error: <one line>     bad input, exit 2, before any work starts
//   rpcbench <command>: internal error: ...   a bug in rpcbench (with its stack), exit 1
import { pathToFileURL } from 'node:url';
import { maskAddress } from '../../transports/support/address.ts';
import type { Comparison } from '../gate/compare.ts';
import { runShutdownHooks } from '../harness/shutdown.ts';
import { BadInput } from '../report/errors.ts';
import { gitCommit, tool } from '../report/tool.ts';

export type CommandName = 'bench' | 'serve' | 'compare' | 'gate' | 'merge' | 'history';
export type Main = (argv: string[]) => Promise<number> | number;

/** `rpcbench 0.1.0 (commit 1a2b3c4, Node v20.19.0)`: what a bug report needs. */
export function versionLine(): string {
  const commit = gitCommit()?.slice(0, 7);
  return `rpcbench ${tool().version} (${commit ? `commit ${commit}, ` : ''}Node ${process.version})`;
}

/**
 * Resolves once everything written to the stream so far has been handed to the OS: a pipe takes 64 kB at a time,
 * and process.exit() would cut `rpcbench ... --json | jq` short after the first 64 kB (measured: 65,536 bytes of a
 * 14 MB history).
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

export function isBadInput(error: unknown): error is Error {
  return error instanceof BadInput;
}

/** Runs a command to its exit code: `--version` first, then `main`; shutdown hooks run before every exit. */
export function runCommand(name: CommandName, main: Main, argv: string[] = process.argv.slice(2)): void {
  const exit = async (code: number) => {
    await runShutdownHooks();
    await flushed(process.stdout);
    await flushed(process.stderr);
    process.exit(code);
  };
  if (argv.includes('--version') || argv.includes('-V')) {
    process.stdout.write(`${versionLine()}\n`);
    return void exit(0);
  }
  Promise.resolve()
    .then(() => main(argv))
    .then(exit, (error: unknown) => {
      // addresses masked here too: an error may quote a URL with its password
      if (isBadInput(error)) process.stderr.write(`rpcbench ${name}: error: ${maskAddress(error.message)}\n`);
      // an output that could not be written (a full disk): the failure named in one line, exit 1; nothing to debug in a stack
      else if (error instanceof Error && error.name === 'WriteFailed') process.stderr.write(`rpcbench ${name}: error: ${maskAddress(error.message)}\n`);
      else process.stderr.write(`rpcbench ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return exit(isBadInput(error) ? 2 : 1);
    });
}

/**
 * The gate's exit code, with one line on stderr: 1 on a regression (or when the run itself failed), 2 when it
 * cannot decide (its table is printed all the same), 0 otherwise.
 */
export function gateExit(cmp: Comparison, name: CommandName, runFailed = false): number {
  if (cmp.regressions) process.stderr.write(`rpcbench ${name}: ${cmp.regressions} regression(s)\n`);
  else if (cmp.refusal) process.stderr.write(`rpcbench ${name}: error: ${cmp.refusal}\n`);
  else process.stderr.write(`rpcbench ${name}: no regression\n`);
  if (cmp.regressions || runFailed) return 1;
  return cmp.refusal ? 2 : 0;
}

/** True when `moduleUrl` is the script node was started with (not imported by the `rpcbench` dispatcher). */
export function isEntry(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === moduleUrl;
}
