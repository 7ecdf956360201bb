/** CPU time a process has used (user + system, ms), from /proc (Linux; 100 clock ticks a second). */
import { readFileSync } from 'node:fs';

export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}
