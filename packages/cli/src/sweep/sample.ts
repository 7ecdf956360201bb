/**
 * Which combinations a sweep runs, in which order: all of them in grid order, or N distinct ones drawn
 * with a seeded generator (pure-rand's xoroshiro128+) by a partial Fisher–Yates shuffle over the
 * combination indices, kept sparse so a grid of billions costs only N draws. Same seed and grid →
 * same combinations in the same order, on any machine.
 */
import { randomInt } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A 32-bit seed from `--seed` (an integer, or any text, hashed with FNV-1a). */
export function seedOf(text: string): number {
  if (/^-?\d+$/.test(text.trim())) return Number(BigInt.asIntN(32, BigInt(text.trim())));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A fresh seed when the user gave none (printed, so the run can be repeated). */
export function newSeed(): number {
  return randomInt(0, 2 ** 31 - 1);
}

export function sampleIndices(size: number, samples: number, seed: number): number[] {
  const n = Math.min(samples, size);
  const rng = xoroshiro128plus(seed);
  const swapped = new Map<number, number>();
  const get = (i: number) => swapped.get(i) ?? i;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = uniformInt(rng, i, size - 1);
    const vi = get(i);
    const vj = get(j);
    out[i] = vj;
    swapped.set(j, vi);
    swapped.set(i, vj);
  }
  return out;
}

export function allIndices(size: number): number[] {
  return Array.from({ length: size }, (_, i) => i);
}
