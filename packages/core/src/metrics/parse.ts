/**
 * A parser for the Prometheus text exposition format (0.0.4): what a scrape returns, as samples and
 * the `# TYPE` of each family. For tests and tools that read `/metrics` without a Prometheus.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → counter, gauge, histogram, summary or untyped. */
  types: Map<string, string>;
}

function parseValue(s: string): number {
  // As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case (prom-client writes `Nan`).
  if (/^[+]?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const v = Number(s);
  if (s === '' || Number.isNaN(v)) throw new Error(`not a sample value: "${s}"`);
  return v;
}

/** Parses exposition text; throws on a malformed line (the line number says where). */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s+TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\w+)$/.exec(line);
      if (m) types.set(m[1]!, m[2]!);
      continue;
    }
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`line ${n + 1}: no metric name: ${line}`);
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      for (;;) {
        while (line[i] === ' ' || line[i] === ',') i++;
        if (line[i] === '}') {
          i++;
          break;
        }
        const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
        if (!key || line[i + key.length] !== '=' || line[i + key.length + 1] !== '"') throw new Error(`line ${n + 1}: bad label at column ${i + 1}: ${line}`);
        i += key.length + 2;
        let value = '';
        for (;;) {
          const c = line[i++];
          if (c === undefined) throw new Error(`line ${n + 1}: unterminated label value: ${line}`);
          if (c === '"') break;
          if (c === '\\') {
            const e = line[i++];
            value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
          } else value += c;
        }
        labels[key] = value;
      }
    }
    const rest = line.slice(i).trim().split(/\s+/);
    if (rest.length < 1 || rest.length > 2) throw new Error(`line ${n + 1}: expected a value (and a timestamp): ${line}`);
    samples.push({ name, labels, value: parseValue(rest[0]!) });
  }
  return { samples, types };
}

/** The value of one sample (every given label must match; others are ignored), or undefined. */
export function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** The sum over every sample of `name` whose labels match. */
export function sumOf(e: Exposition, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of e.samples) if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  return sum;
}
