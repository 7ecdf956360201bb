/**
 * The docs cite what ships: every relative link of the repository's markdown (README.md,
 * ARCHITECTURE.md, docs/**, the packages' and examples' READMEs) resolves to a file, and to a heading
 * when it names one; every `docs/….md` a source comment cites exists; ARCHITECTURE.md's map names
 * every folder and top-level file of each package's `src/` and only files that exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/fs.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.tkcache', 'coverage']);

function walk(dir: string, keep: (file: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name), keep, out);
    } else if (keep(e.name)) out.push(path.join(dir, e.name));
  }
  return out;
}

const rel = (f: string): string => path.relative(REPO_ROOT, f).split(path.sep).join('/');

/** Markdown without its fenced code blocks (their `[x](y)` and `# lines` are not links or headings). */
function prose(md: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of md.split('\n')) {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) {
      if (fence === undefined) fence = m[1]![0];
      else if (m[1]![0] === fence) fence = undefined;
      lines.push('');
      continue;
    }
    lines.push(fence === undefined ? line : '');
  }
  return lines;
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function anchorsOf(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(md)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** `[text](target)` and `![alt](target)` of a markdown file, outside code, with their line numbers. */
function linksOf(md: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  prose(md).forEach((line, i) => {
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: i + 1 });
  });
  return out;
}

const MARKDOWN = [
  path.join(REPO_ROOT, 'README.md'),
  path.join(REPO_ROOT, 'ARCHITECTURE.md'),
  ...walk(path.join(REPO_ROOT, 'docs'), (f) => f.endsWith('.md')),
  ...walk(path.join(REPO_ROOT, 'packages'), (f) => f === 'README.md'),
  ...walk(path.join(REPO_ROOT, 'examples'), (f) => f === 'README.md'),
  ...(existsSync(path.join(REPO_ROOT, 'bench', 'README.md')) ? [path.join(REPO_ROOT, 'bench', 'README.md')] : []),
];

/** Source files whose comments may cite documents. */
const SOURCES = ['packages', 'examples', 'scripts', 'bench']
  .flatMap((d) => walk(path.join(REPO_ROOT, d), (f) => /\.(ts|tsx|mjs|cjs|js|py|ya?ml)$/.test(f) && !f.endsWith('.d.ts')))
  .filter((f) => path.basename(f) !== 'docs-links.test.ts'); // this file names the patterns it looks for

describe('docs: links and citations resolve to files in the repository', () => {
  it('finds the documents it checks', () => {
    const names = MARKDOWN.map(rel);
    for (const must of ['README.md', 'ARCHITECTURE.md', 'docs/glossary.md', 'docs/reference/mt5-notes.md', 'docs/reference/original-system.md'])
      assert.ok(names.includes(must), must);
    assert.ok(SOURCES.length > 200, `only ${SOURCES.length} source files found`);
  });

  it('computes GitHub heading anchors', () => {
    const a = anchorsOf(
      '# A title\n## `tradekit run` and `sweep`\n```\n# not a heading\n```\n## Modes and clocks\n## Modes and clocks\n## Decisions (and why)\n',
    );
    assert.deepEqual([...a], ['a-title', 'tradekit-run-and-sweep', 'modes-and-clocks', 'modes-and-clocks-1', 'decisions-and-why']);
  });

  it('every relative link of the markdown resolves to a file (and to a heading when it names one)', () => {
    const broken: string[] = [];
    const anchorCache = new Map<string, Set<string>>();
    const anchors = (file: string): Set<string> => {
      let a = anchorCache.get(file);
      if (!a) anchorCache.set(file, (a = anchorsOf(readFileSync(file, 'utf8'))));
      return a;
    };
    for (const file of MARKDOWN) {
      for (const { target, line } of linksOf(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, file: …
        const [p, hash] = target.split('#', 2) as [string, string | undefined];
        const dest = p === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(p));
        const where = `${rel(file)}:${line} → ${target}`;
        if (!dest.startsWith(REPO_ROOT + path.sep) && dest !== REPO_ROOT) broken.push(`${where} (outside the repository)`);
        else if (!existsSync(dest)) broken.push(`${where} (no such file)`);
        else if (hash && dest.endsWith('.md') && statSync(dest).isFile() && !anchors(dest).has(decodeURIComponent(hash).toLowerCase()))
          broken.push(`${where} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('every docs/….md a source file cites exists, and no comment cites a reference note by a bare name', () => {
    const missing: string[] = [];
    for (const f of SOURCES) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?<![\w/.-])docs\/[\w./-]*\w\.md\b/g)) if (!existsSync(path.join(REPO_ROOT, m[0]))) missing.push(`${rel(f)}: ${m[0]}`);
      for (const m of text.matchAll(/(?<![\w/.-])(mt5-notes|original-system)(?![\w.-])/g))
        missing.push(`${rel(f)}: "${m[0]}" without its path (docs/reference/${m[1]}.md)`);
    }
    assert.deepEqual(missing, []);
  });

  it('every docs/….md the markdown names in code spans exists', () => {
    const missing: string[] = [];
    for (const file of MARKDOWN) {
      prose(readFileSync(file, 'utf8')).forEach((line, i) => {
        for (const m of line.matchAll(/`((?:docs|packages|examples|scripts|bench)\/[\w./-]+\.(?:md|ts|mjs|py|yaml))`/g)) {
          if (!existsSync(path.join(REPO_ROOT, m[1]!))) missing.push(`${rel(file)}:${i + 1}: ${m[1]}`);
        }
      });
    }
    assert.deepEqual(missing, []);
  });
});

describe('ARCHITECTURE.md: the map is true and complete', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');
  /** The section of ARCHITECTURE.md that maps each package (heading → package directory). */
  const SECTIONS: [heading: string, pkg: string][] = [
    ['## Inside `@tradekit/core`', 'core'],
    ['### `@tradekit/agents`', 'agents'],
    ['### `@tradekit/mt5-adapter`', 'mt5-adapter'],
    ['### `@tradekit/dashboard`', 'dashboard'],
    ['### `@tradekit/cluster`', 'cluster'],
    ['### `tradekit` (`packages/cli`)', 'cli'],
    ['### `@tradekit/test-support`', 'test-support'],
    ['### `@tradekit/llm`', 'llm'],
  ];
  const section = (heading: string): string => {
    const start = doc.indexOf(heading);
    assert.ok(start >= 0, `ARCHITECTURE.md has no section "${heading}"`);
    const next = doc.slice(start + heading.length).search(/\n#{2,3} /);
    return next < 0 ? doc.slice(start) : doc.slice(start, start + heading.length + next);
  };

  it('covers every package of the workspace', () => {
    const pkgs = readdirSync(path.join(REPO_ROOT, 'packages')).filter((d) => existsSync(path.join(REPO_ROOT, 'packages', d, 'package.json')));
    assert.deepEqual(
      pkgs.filter((p) => !SECTIONS.some(([, s]) => s === p)),
      [],
    );
  });

  for (const [heading, pkg] of SECTIONS) {
    it(`names every folder and top-level file of packages/${pkg}/src, and every file it names exists`, () => {
      const text = section(heading);
      const src = path.join(REPO_ROOT, 'packages', pkg, 'src');
      const unnamed: string[] = [];
      for (const e of readdirSync(src, { withFileTypes: true })) {
        if (e.isDirectory()) {
          if (!new RegExp(`[\`/]${e.name}/`).test(text)) unnamed.push(`${e.name}/`);
        } else if (!['index.ts', 'errors.ts', 'version.ts'].includes(e.name) && !text.includes(e.name)) unnamed.push(e.name);
      }
      assert.deepEqual(unnamed, [], `not in the map of packages/${pkg}/src`);

      const files = walk(path.join(REPO_ROOT, 'packages', pkg), () => true).map(rel);
      const ghosts: string[] = [];
      for (const m of text.matchAll(/`([\w./-]+\.(?:ts|tsx|js|mjs|py))`/g)) {
        const name = m[1]!;
        if (!files.some((f) => f.endsWith(`/${name}`)) && !existsSync(path.join(REPO_ROOT, name))) ghosts.push(name);
      }
      assert.deepEqual(ghosts, [], `named in the map of packages/${pkg} but not in the package`);
    });
  }
});
