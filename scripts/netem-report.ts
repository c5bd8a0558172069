// `node --import tsx scripts/netem-report.ts RTT=REPORT.json ...` -> markdown on stdout (scripts/netem-bench.sh).

import { renderSweep } from '../bench/formats/sweep.ts';
import { loadReport } from '../bench/report/read.ts';

const points = process.argv.slice(2).map((arg) => {
  const [rtt, file] = arg.split('=');
  if (!file || !(Number(rtt) >= 0)) {
    process.stderr.write(`netem-report: expected RTT_MS=REPORT.json, got ${JSON.stringify(arg)}\n`);
    process.exit(2);
  }
  return { rttMs: Number(rtt), report: loadReport(file) };
});
process.stdout.write(renderSweep(points));
