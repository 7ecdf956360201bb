/**
 * Writing a scaffold: the target folder must be empty (or missing) unless forced; template files from
 * the package's `templates/` folder with `{{key}}` placeholders; the sample bars of `sample-data/`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliError } from '../errors.js';

/** The package's folder (dist/src/init/ → ../../..): templates/ and sample-data/ are published with it. */
const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));
export const TEMPLATES_DIR = path.join(PACKAGE_DIR, 'templates');
export const SAMPLE_DATA_DIR = path.join(PACKAGE_DIR, 'sample-data');

/** Files whose name npm would drop from a published package are stored under another name. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

/** Refuses a folder that holds anything (TK_ERR_INIT_NOT_EMPTY) unless `force`; creates a missing one. */
export function prepareTarget(dir: string, force: boolean): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw cliError('TK_ERR_INIT_WRITE', `${dir} exists and is not a folder`);
    const entries = readdirSync(dir);
    if (entries.length && !force) {
      const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
      throw cliError(
        'TK_ERR_INIT_NOT_EMPTY',
        `${dir} is not empty (${shown}): choose an empty or new folder, or pass --force to write the scaffold's files over it (other files are left alone)`,
      );
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw cliError('TK_ERR_INIT_WRITE', `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** `{{key}}` → value; a placeholder without a value is a bug in the template, not user input. */
export function render(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`template placeholder {{${key}}} has no value`);
    return v;
  });
}

/** Relative paths of every file under `dir`, sorted. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Collects what a scaffold writes, then writes it; returns the relative paths written. */
export class Scaffold {
  private readonly files = new Map<string, { text?: string; copyFrom?: string }>();

  constructor(readonly dir: string) {}

  /** Every file of `templates/<name>/`, rendered with `vars`. */
  template(name: string, vars: Readonly<Record<string, string>>): this {
    const root = path.join(TEMPLATES_DIR, name);
    for (const rel of listFiles(root)) {
      const base = path.posix.basename(rel);
      const target = RENAMED[base] ? path.posix.join(path.posix.dirname(rel), RENAMED[base]!) : rel;
      this.files.set(target, { text: render(readFileSync(path.join(root, rel), 'utf8'), vars) });
    }
    return this;
  }

  /** The sample bars (and their README) into `to/`. */
  sampleData(to: string): this {
    for (const rel of listFiles(SAMPLE_DATA_DIR)) this.files.set(path.posix.join(to, rel), { copyFrom: path.join(SAMPLE_DATA_DIR, rel) });
    return this;
  }

  json(rel: string, value: unknown): this {
    this.files.set(rel, { text: `${JSON.stringify(value, null, 2)}\n` });
    return this;
  }

  write(): string[] {
    const written: string[] = [];
    for (const [rel, f] of [...this.files].sort(([a], [b]) => a.localeCompare(b))) {
      const abs = path.join(this.dir, ...rel.split('/'));
      try {
        mkdirSync(path.dirname(abs), { recursive: true });
        if (f.copyFrom) copyFileSync(f.copyFrom, abs);
        else writeFileSync(abs, f.text!);
      } catch (e) {
        throw cliError('TK_ERR_INIT_WRITE', `cannot write ${abs}: ${(e as Error).message}`, { cause: e });
      }
      written.push(rel);
    }
    return written;
  }
}
