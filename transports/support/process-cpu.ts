// The CPU time of another process of this host, from /proc: a broker's (the harness's broker column), or a reference
// server's that a row starts (its JVM). Linux only, as the harness's other readings of /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** The run time of every thread of `pid`, µs (schedstat's first field is ns on CPU); null when it is gone. */
export function processCpuUs(pid: number): number | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  for (const task of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // a thread that ended between the listing and the read: its time is lost with it, as the kernel loses it
    }
  }
  return ns / 1000;
}
