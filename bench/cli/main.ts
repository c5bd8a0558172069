// `rpcbench COMMAND [options]`: picks the command; each command parses its own options.
import { didYouMean } from '../../transports/support/names.ts';
import { type CommandName, type Main, runCommand, versionLine } from './command.ts';

const COMMANDS: Record<CommandName, { summary: string; load: () => Promise<{ main: Main }> }> = {
  bench: { summary: 'run the benchmark matrix and write reports (and gate against --baseline)', load: () => import('./bench.ts') },
  serve: { summary: 'run one of our servers until stopped, for foreign clients or another host', load: () => import('./serve.ts') },
  compare: { summary: 'the regression gate: compare two sets of reports', load: () => import('./compare.ts') },
  gate: { summary: 'benchmark two versions of your code in rounds (git refs) and gate the change', load: () => import('./gate.ts') },
  history: { summary: "every transport's numbers over commits, and the change points in them", load: () => import('./history.ts') },
  merge: { summary: 'merge the reports of the segments of one run (generators on several hosts) into one', load: () => import('./merge.ts') },
};

const USAGE = `Usage: rpcbench COMMAND [options]      (in a clone: npx rpcbench, or npm run COMMAND -- [options])

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`)
  .join('\n')}

rpcbench COMMAND --help describes a command's options; --version prints the version.
`;

export function dispatch(argv: string[]): void {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') return void process.stdout.write(`${versionLine()}\n`);
  if (name === '--help' || name === '-h' || name === 'help') return void process.stdout.write(USAGE);
  if (name === undefined) {
    // no command is a mistake, as in git and docker: the usage, on stderr, and exit 2
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const command = COMMANDS[name as CommandName];
  if (!command) {
    const known = Object.keys(COMMANDS);
    process.stderr.write(`rpcbench: error: unknown command ${JSON.stringify(name)}${didYouMean(name, known)}; commands: ${known.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  void command.load().then(({ main }) => runCommand(name as CommandName, main, rest));
}
