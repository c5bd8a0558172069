// The machine's hiccups beside every run: a stall of the whole process shows, the load's own work in the main thread
// does not, every report keeps one record per run, and the gate says when one side's machine stalled far more.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { bench, compare } from '../bench/api/index.ts';
import { renderMarkdown } from '../bench/formats/markdown.ts';
import { startHiccupMeter, summarize } from '../bench/harness/hiccups.ts';
import { reportProblems } from '../bench/report/validate.ts';
import { outcomeSchemas } from '../bench/scenarios/index.ts';
import { killHard, ROOT, stopFor } from './helpers.ts';

describe('machine hiccups', () => {
  test('the figures: p99 the latest 1% of wake-ups, stalls those of 5 ms or more', () => {
    const late = [1.5, 2, 6, 30, ...Array.from({ length: 20 }, () => 1.2)];
    const h = summarize({ seconds: 1.02, wakeups: 1000, late, counted: 0 });
    // 1,000 wake-ups: the p99 is the 11th latest, which is one of the twenty of 1.2 ms after the four later ones
    assert.deepEqual(h, { seconds: 1, wakeups: 1000, p99Ms: 1.2, maxMs: 30, stalls: 2, stalledMs: 36 });
    assert.equal(summarize({ seconds: 1, wakeups: 1000, late: [3], counted: 0 }).p99Ms, null, 'fewer than 1% late: no p99 to tell');
  });

  test('a stall of the whole process shows as one; its load busy in the main thread does not', async (t) => {
    const code = `import('./bench/harness/hiccups.ts').then(({ startHiccupMeter }) => {
      const meter = startHiccupMeter();
      process.stdin.once('data', async () => { process.stdout.write(JSON.stringify(await meter.stop())); process.exit(0); });
      process.stdout.write('ready\\n');
    });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => killHard(child.pid));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = AbortSignal.timeout(30_000);
    while (!out.includes('ready')) await once(child.stdout, 'data', { signal: deadline });
    await new Promise((r) => setTimeout(r, 300));
    await stopFor(child.pid!, 300);
    await new Promise((r) => setTimeout(r, 200));
    out = '';
    child.stdin.write('stop\n');
    await once(child, 'exit', { signal: deadline });
    const h = JSON.parse(out);
    t.diagnostic(JSON.stringify(h));
    // the 300 ms stop, two thirds of it at least (a stop lands between two wake-ups)
    assert.ok(h.maxMs >= 200 && h.stalls >= 1, JSON.stringify(h));

    // in this process: the main thread busy for 300 ms, as a load generator is; the meter's thread runs on
    const meter = startHiccupMeter();
    await new Promise((r) => setTimeout(r, 100));
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // busy, as a load thread that never yields
    }
    await new Promise((r) => setTimeout(r, 100));
    const busy = await meter.stop();
    t.diagnostic(JSON.stringify(busy));
    // half the busy time is the bound: a thread of its own waits for a core at most a few scheduler slices
    assert.ok(busy && busy.maxMs < 150, JSON.stringify(busy));
  });

  test('every run of a report has its record, its notes say it, and the gate warns when one side stalled far more', async () => {
    const report = await bench({ transports: ['inproc'], calls: ['getObj'], scenarios: ['latency'], trials: 2, duration: '100ms', warmup: '100ms', runs: 2 });
    assert.equal(report.meta.hiccups?.length, 2, JSON.stringify(report.meta.hiccups));
    for (const h of report.meta.hiccups!) assert.ok(h.seconds > 0 && h.wakeups > 10, JSON.stringify(h));
    assert.deepEqual(reportProblems(report, outcomeSchemas()), []);
    assert.match(renderMarkdown(report), /machine hiccups \(a thread of ours that sleeps 2 ms at a time: how late it woke\): run 1: .* in [\d.]+ s; run 2: /);
    const broken = { ...report, meta: { ...report.meta, hiccups: [{ ...report.meta.hiccups![0]!, p99Ms: 'late' }] } };
    assert.notDeepEqual(reportProblems(broken, outcomeSchemas()), [], 'a hiccup record of the wrong type is refused');

    const withStalls = (stalls: number) => ({
      ...report,
      meta: { ...report.meta, hiccups: [{ seconds: 60, wakeups: 59_000, p99Ms: 2, maxMs: 40, stalls, stalledMs: stalls * 8 }] },
    });
    const warned = (b: number, c: number) => compare([withStalls(b)], [withStalls(c)]).warnings.filter((w) => w.includes('stalled more'));
    assert.deepEqual(warned(2, 3), [], 'alike: no warning');
    assert.deepEqual(warned(0, 0), [], 'no stalls on either side');
    assert.match(warned(1, 12)[0] ?? '', /stalls of 5 ms or more 1\/min in the baseline, 12\/min now/);
    assert.match(warned(12, 1)[0] ?? '', /12\/min in the baseline, 1\/min now/);
  });
});
