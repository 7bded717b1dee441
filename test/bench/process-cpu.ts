/**
 * CPU time of process trees from `/proc` (Linux), so a benchmark can say where the machine's cores
 * went during a phase: the server, its PostgreSQL, or the load generators sharing the machine.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /** Own utime + stime, in ticks. */
  ticks: number;
  /** cutime + cstime: what its exited (and reaped) children used, in ticks. */
  reapedTicks: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state ppid … utime(14) stime(15) cutime(16) cstime(17)
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      reapedTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU seconds a process has used so far: its own, and with all its descendants, including those that
 * have exited (a PostgreSQL backend closed mid-phase still counts, through its parent's reaped time).
 */
export interface ProcessCpu {
  own: number;
  tree: number;
}

/** {@link ProcessCpu} of each of `roots` (zeros for a process that is gone). */
export async function processCpuSeconds(roots: readonly number[]): Promise<ProcessCpu[]> {
  const entries = await readdir('/proc');
  const stats = (
    await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => readStat(Number(e))))
  ).filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return roots.map((root) => {
    let ticks = 0;
    const stack = [byPid.get(root)];
    for (let stat = stack.pop(); stat !== undefined; stat = stack.pop()) {
      ticks += stat.ticks + stat.reapedTicks;
      stack.push(...(children.get(stat.pid) ?? []));
    }
    return { own: (byPid.get(root)?.ticks ?? 0) / TICKS_PER_SECOND, tree: ticks / TICKS_PER_SECOND };
  });
}
