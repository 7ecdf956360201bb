#!/usr/bin/env node
// Generates the API reference (docs/api/) from the compiled declarations of every published package:
// packages/*/dist/src/**/*.d.ts, one page per entry point of each package.json `exports` map.
//
//   node scripts/api-docs.mjs [--out DIR] [--root DIR] [--check]
//
// `npm run api-docs` builds (tsc -b), then runs this. API Extractor (which bundles its own
// TypeScript 6 compiler API; the repo's `typescript` 7 has none) reads each entry point's .d.ts and
// writes a doc model; this script renders that model as Markdown. The output depends only on the
// declarations and their doc comments (no timestamps, no tool versions, no absolute paths), so it is
// committed, and packages/core/test/api-docs.test.ts fails when the committed pages are stale.
// --check writes nothing into the output folder: it compares and exits 1 when it differs.
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { ApiModel } from '@microsoft/api-extractor-model';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TOOL_ROOT = path.resolve(HERE, '..');

/** A failure the user can fix (missing build, bad exports map): message and exit code 2, no stack. */
class ApiDocsError extends Error {}

function parseArgs(argv) {
  const opts = { root: TOOL_ROOT, out: undefined, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '--root') {
      const v = argv[++i];
      if (!v) throw new ApiDocsError(`api-docs: ${a} needs a folder`);
      opts[a.slice(2)] = path.resolve(v);
    } else if (a === '--check') opts.check = true;
    else throw new ApiDocsError(`api-docs: unknown argument ${JSON.stringify(a)} (use --out DIR, --root DIR, --check)`);
  }
  opts.out ??= path.join(opts.root, 'docs', 'api');
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** The `types` file of one `exports` target (string, or nested conditions), or undefined. */
function typesOf(target) {
  if (typeof target === 'string') return target.endsWith('.d.ts') ? target : target.endsWith('.js') ? target.replace(/\.js$/, '.d.ts') : undefined;
  if (target && typeof target === 'object') {
    if (typeof target.types === 'string') return target.types;
    for (const key of ['import', 'node', 'default']) {
      const t = typesOf(target[key]);
      if (t) return t;
    }
  }
  return undefined;
}

/**
 * Every public entry point under <root>/packages: one per `exports` subpath that has declarations
 * (./package.json and other non-code subpaths are skipped); private packages are skipped.
 */
export function findEntryPoints(root) {
  const pkgsDir = path.join(root, 'packages');
  if (!existsSync(pkgsDir)) throw new ApiDocsError(`api-docs: no packages/ folder under ${root}`);
  const entries = [];
  for (const dir of readdirSync(pkgsDir).sort()) {
    const pkgFile = path.join(pkgsDir, dir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    if (pkg.private) continue;
    const pkgDir = path.join(pkgsDir, dir);
    let exportsMap = pkg.exports;
    if (exportsMap === undefined) exportsMap = { '.': pkg.types ?? pkg.typings ?? pkg.main ?? 'index.js' };
    else if (typeof exportsMap === 'string' || !Object.keys(exportsMap).some((k) => k.startsWith('.'))) exportsMap = { '.': exportsMap };
    for (const subpath of Object.keys(exportsMap).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : cmp(a, b)))) {
      if (subpath.includes('*')) throw new ApiDocsError(`api-docs: ${pkg.name}: wildcard export ${subpath} is not supported`);
      const types = typesOf(exportsMap[subpath]);
      if (!types) continue; // e.g. "./package.json"
      const dts = path.resolve(pkgDir, types);
      if (!existsSync(dts)) {
        const name = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}`;
        throw new ApiDocsError(`api-docs: ${name}: ${path.relative(root, dts)} does not exist; build first (npm run build)`);
      }
      const importPath = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`;
      const moduleDoc = moduleDocOf(readFileSync(dts, 'utf8'));
      const unscoped = pkg.name.replace(/^@[^/]+\//, '');
      const page = `${[
        unscoped,
        ...subpath
          .replace(/^\.\/?/, '')
          .split('/')
          .filter(Boolean),
      ].join('.')}.md`;
      entries.push({ pkg, pkgDir, dir, subpath, importPath, dts, page, moduleDoc });
    }
  }
  if (entries.length === 0) throw new ApiDocsError(`api-docs: no public package with declarations under ${pkgsDir}`);
  return entries;
}

/**
 * The entry point's own doc comment: a leading comment that a re-export or an import follows
 * (one that a declaration follows is that declaration's). Markdown lines, comment markers removed.
 */
function moduleDocOf(dts) {
  const m = /^\s*\/\*\*([\s\S]*?)\*\/\s*\n(\s*)(\S[^\n]*)/.exec(dts);
  if (!m || !/^(import\b|export\s*(\*|\{|type\s*\{))/.test(m[3])) return '';
  const lines = m[1].split('\n').map((l) => l.replace(/^\s*\*( |$)/, '').trimEnd());
  const paragraphs = lines
    .join('\n')
    .trim()
    .split(/\n\s*\n/);
  // Prose: code spans kept, everything else escaped; a paragraph's line breaks become spaces.
  const prose = (text) =>
    text
      .split(/(`[^`]*`)/)
      .map((part, i) => (i % 2 ? part : escapeMd(part)))
      .join('');
  return paragraphs.map((p) => prose(p.replace(/\s*\n\s*/g, ' '))).join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// Extraction (API Extractor → doc model)
// ---------------------------------------------------------------------------------------------

// Messages that say nothing about the reference: this repo uses no release tags (@public/@beta) and
// writes JSDoc, not strict TSDoc. Everything else is reported; errors fail the run.
const QUIET = { logLevel: 'none' };
function extractorConfig(entry, apiJsonFilePath) {
  return ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.pkgDir,
      mainEntryPointFilePath: entry.dts,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: true,
            types: ['node'],
            typeRoots: [path.join(TOOL_ROOT, 'node_modules', '@types')],
          },
        },
      },
      apiReport: { enabled: false },
      docModel: { enabled: true, apiJsonFilePath },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': QUIET,
          'ae-forgotten-export': { logLevel: 'warning' }, // collected, see extract()
        },
        tsdocMessageReporting: { default: QUIET },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(entry.pkgDir, 'package.json'),
    packageJson: entry.pkg,
  });
}

/** Runs API Extractor over every entry point (one shared compiler program) and loads each doc model. */
export function extract(entries) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tk-api-docs-'));
  const warnings = [];
  const forgotten = entries.map(() => new Set());
  try {
    const configs = entries.map((e, i) => extractorConfig(e, path.join(tmp, `${i}.api.json`)));
    const compilerState = CompilerState.create(configs[0], { additionalEntryPoints: entries.map((e) => e.dts) });
    const errors = [];
    entries.forEach((entry, i) => {
      const result = Extractor.invoke(configs[i], {
        compilerState,
        localBuild: true,
        messageCallback: (m) => {
          m.handled = true;
          if (m.messageId === 'ae-forgotten-export') {
            // A type the entry point's signatures use without exporting it: listed on the page instead.
            const name = /The symbol "([^"]+)"/.exec(m.text)?.[1];
            if (name) forgotten[i].add(name.replace(/_\d+$/, ''));
            return;
          }
          if (m.logLevel !== 'error' && m.logLevel !== 'warning') return;
          const where = m.sourceFilePath ? ` (${path.relative(TOOL_ROOT, m.sourceFilePath)}:${m.sourceFileLine})` : '';
          (m.logLevel === 'error' ? errors : warnings).push(`${entry.importPath}: ${m.messageId}: ${m.text}${where}`);
        },
      });
      if (!result.succeeded && errors.length === 0) errors.push(`${entry.importPath}: API Extractor failed`);
    });
    if (errors.length) throw new ApiDocsError(`api-docs: API Extractor reported errors:\n  ${errors.join('\n  ')}`);
    const models = entries.map((_, i) => {
      const model = new ApiModel();
      model.loadPackage(path.join(tmp, `${i}.api.json`));
      return model;
    });
    return { models, warnings, forgotten: forgotten.map((set) => [...set].sort(cmp)) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

const KIND_ORDER = ['Class', 'Function', 'Variable', 'Interface', 'TypeAlias', 'Enum', 'Namespace'];
const KIND_TITLE = {
  Class: 'Classes',
  Function: 'Functions',
  Variable: 'Constants and variables',
  Interface: 'Interfaces',
  TypeAlias: 'Types',
  Enum: 'Enums',
  Namespace: 'Namespaces',
};
const KIND_WORD = { Class: 'class', Function: 'function', Variable: 'const', Interface: 'interface', TypeAlias: 'type', Enum: 'enum', Namespace: 'namespace' };

/** Inline code that survives backticks inside (template literal types). */
function code(text) {
  const s = text.replace(/\s+/g, ' ').trim();
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Escapes text for Markdown prose (and table cells). */
function escapeMd(text) {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** A fenced code block; the fence grows if the code itself holds ``` (a doc comment inside a type). */
function fenced(text, language = 'ts') {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\s+$/, '')}\n${fence}`;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * Renders TSDoc nodes (the summary, remarks, deprecation) as Markdown prose. With `raw`, text is not
 * escaped (for code). Soft breaks stay line breaks here; paragraphs decide what to do with them.
 */
function renderDoc(node, links, raw = false) {
  if (!node) return '';
  const esc = raw ? (t) => t : escapeMd;
  switch (node.kind) {
    case 'PlainText':
    case 'ErrorText':
      return esc(node.text);
    case 'EscapedText':
      return esc(node.decodedText);
    case 'SoftBreak':
      return '\n';
    case 'CodeSpan':
      return raw ? `\`${node.code}\`` : code(node.code);
    case 'FencedCode':
      return `\n\n${fenced(node.code, node.language)}\n\n`;
    case 'LinkTag': {
      if (node.urlDestination) {
        const label = node.linkText ?? node.urlDestination;
        return raw ? label : `[${escapeMd(label)}](${node.urlDestination})`;
      }
      const target = node.codeDestination?.memberReferences
        ?.map((r) => r.memberIdentifier?.identifier)
        .filter(Boolean)
        .join('.');
      const text = node.linkText ?? target ?? '';
      if (raw) return text;
      const href = target ? links(target.split('.')[0]) : undefined;
      return href ? `[${code(text)}](${href})` : code(text);
    }
    case 'InlineTag':
      return esc(node.tagContent ?? '');
    case 'HtmlStartTag':
    case 'HtmlEndTag':
      return esc(node.emitAsHtml());
    case 'Paragraph':
      return `${paragraph(node, links)}\n\n`;
    default:
      return node
        .getChildNodes()
        .map((n) => renderDoc(n, links, raw))
        .join('');
  }
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s/;

/**
 * One doc-comment paragraph. An indented block (every line indented, not a list) is code, as the
 * comment's author laid it out; a line starting a list item keeps its line break; every other line
 * break is a space (continuation lines of a list item join their item).
 */
function paragraph(node, links) {
  const children = node.getChildNodes();
  const rawLines = children
    .map((n) => renderDoc(n, links, true))
    .join('')
    .split('\n');
  const mdLines = children
    .map((n) => renderDoc(n, links))
    .join('')
    .split('\n');
  const used = rawLines.map((l, i) => ({ raw: l, md: mdLines[i] ?? '' })).filter((l) => l.raw.trim() !== '');
  if (used.length === 0) return '';
  if (used.every((l) => /^\s{2,}/.test(l.raw)) && !LIST_ITEM.test(used[0].raw)) {
    const indent = Math.min(...used.map((l) => l.raw.match(/^\s*/)[0].length));
    const first = rawLines.findIndex((l) => l.trim() !== '');
    const last = rawLines.length - 1 - [...rawLines].reverse().findIndex((l) => l.trim() !== '');
    return fenced(
      rawLines
        .slice(first, last + 1)
        .map((l) => l.slice(indent))
        .join('\n'),
    );
  }
  const out = [];
  for (const l of used) {
    const text = l.md.trim().replace(/[ \t]+/g, ' ');
    if (out.length === 0 || LIST_ITEM.test(l.raw)) out.push(LIST_ITEM.test(l.raw) ? text.replace(/^\\\*/, '*') : text);
    else out[out.length - 1] += ` ${text}`;
  }
  return out.join('\n');
}

function docText(section, links) {
  return section
    ? renderDoc(section, links)
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : '';
}

// API Extractor writes this for an undocumented constructor; it says nothing the signature does not.
const SYNTHETIC_CTOR = /^Constructs a new instance of the .+ class$/;

function summaryOf(item, links) {
  const c = item.tsdocComment;
  if (!c) return { summary: '', remarks: '', deprecated: '' };
  const summary = docText(c.summarySection, links);
  return {
    summary: SYNTHETIC_CTOR.test(summary) ? '' : summary,
    remarks: c.remarksBlock ? docText(c.remarksBlock.content, links) : '',
    deprecated: c.deprecatedBlock ? docText(c.deprecatedBlock.content, links) : '',
  };
}

/** The first sentence-ish line of a summary, for index tables. */
function firstLine(summary) {
  const para = summary.split('\n\n')[0];
  if (para.startsWith('```')) return '';
  const line = para.replace(/\n/g, ' ');
  const m = line.match(/^(.{20,}?[.!?])(\s|$)/);
  // In a table cell a pipe (also one inside a code span) must be escaped; prose pipes already are.
  return (m ? m[1] : line).replace(/(?<!\\)\|/g, '\\|');
}

function signatureOf(item) {
  const text = item.excerpt?.text ?? '';
  if (item.kind === 'Variable' && item.displayName === '_default') return `declare const ${text};\nexport default _default;`;
  if (item.kind === 'Variable') return `export declare ${item.isReadonly ? 'const' : 'let'} ${text}`;
  return text;
}

function isPublicMember(member) {
  const text = member.excerpt?.text?.trimStart() ?? '';
  return !/^(private|protected)\b/.test(text) && !('#private' === member.displayName);
}

const MEMBER_ORDER = [
  'Constructor',
  'ConstructSignature',
  'CallSignature',
  'IndexSignature',
  'Property',
  'PropertySignature',
  'Method',
  'MethodSignature',
  'EnumMember',
];

function memberLines(container, links) {
  const members = container.members.filter(isPublicMember);
  const statics = (m) => (m.isStatic ? 0 : 1);
  members.sort(
    (a, b) =>
      statics(a) - statics(b) ||
      MEMBER_ORDER.indexOf(a.kind) - MEMBER_ORDER.indexOf(b.kind) ||
      cmp(a.displayName, b.displayName) ||
      (a.overloadIndex ?? 0) - (b.overloadIndex ?? 0),
  );
  return members.map((m) => {
    let sig = m.excerpt?.text ?? m.displayName;
    if (m.kind === 'EnumMember') sig = `${m.displayName} = ${m.initializerExcerpt?.text ?? ''}`;
    if (m.isStatic && !/^\s*static\b/.test(sig)) sig = `static ${sig}`;
    const { summary, deprecated } = summaryOf(m, links);
    const text = [deprecated ? `**Deprecated:** ${deprecated}` : '', summary].filter(Boolean).join('\n\n');
    // Further paragraphs, lists and code of the member's doc stay inside its list item (indented).
    return `- ${code(sig.replace(/;\s*$/, ''))}${text ? ` — ${text.replace(/\n/g, '\n  ').replace(/\n {2}\n/g, '\n\n')}` : ''}`;
  });
}

/** Case-insensitive, then code-point order: the same on every machine and locale. */
function cmp(a, b) {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function kindRank(kind) {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** The exported items of one entry point, grouped by name (overloads and type/value pairs share a heading). */
function groupsOf(model) {
  const entryPoint = model.packages[0].entryPoints[0];
  const byName = new Map();
  for (const item of entryPoint.members) {
    // API Extractor calls an entry point's default export `_default`.
    const name = item.displayName === '_default' ? 'default' : item.displayName;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name).push(item);
  }
  const groups = [...byName.entries()].map(([name, items]) => {
    items.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || (a.overloadIndex ?? 0) - (b.overloadIndex ?? 0));
    return { name, items, kind: items[0].kind };
  });
  groups.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || cmp(a.name, b.name));
  return groups;
}

function renderEntry(entry, groups, forgotten, links, elsewhere, root) {
  const out = [];
  out.push(`<!-- Generated by \`npm run api-docs\` (scripts/api-docs.mjs) from ${path.relative(root, entry.dts).split(path.sep).join('/')}. Do not edit. -->`);
  out.push('');
  out.push(`# ${entry.importPath}`);
  out.push('');
  if (entry.subpath === '.' && entry.pkg.description) out.push(escapeMd(entry.pkg.description), '');
  if (entry.moduleDoc) out.push(entry.moduleDoc, '');
  out.push(fenced(`import { … } from '${entry.importPath}';`));
  out.push('');
  out.push(`[API reference index](README.md) · ${groups.length} exports`);
  out.push('');
  for (const kind of KIND_ORDER) {
    const ofKind = groups.filter((g) => g.kind === kind);
    if (ofKind.length === 0) continue;
    out.push(`## ${KIND_TITLE[kind]}`, '');
    out.push('| Name | Summary |', '|---|---|');
    for (const g of ofKind) {
      const { summary } = summaryOf(g.items.find((i) => i.tsdocComment) ?? g.items[0], links);
      out.push(`| [${code(g.name)}](#${g.anchor}) | ${firstLine(summary)} |`);
    }
    out.push('');
    for (const g of ofKind) {
      out.push(`### ${g.name}`, '');
      const source = g.items[0].fileUrlPath;
      const words = [...new Set(g.items.map((i) => KIND_WORD[i.kind] ?? i.kind.toLowerCase()))].join(' + ');
      const srcRel = source
        ? path
            .relative(path.join(root, 'docs', 'api'), path.join(entry.pkgDir, source))
            .split(path.sep)
            .join('/')
        : '';
      out.push(`*${words}*${source ? ` · [${path.relative(root, path.join(entry.pkgDir, source)).split(path.sep).join('/')}](${srcRel})` : ''}`, '');
      if (g.name === 'default') out.push(`The default export: \`import plugin from '${entry.importPath}'\`.`, '');
      const seenDocs = new Set();
      for (const item of g.items) {
        const { summary, remarks, deprecated } = summaryOf(item, links);
        if (deprecated) out.push(`**Deprecated:** ${deprecated}`, '');
        for (const text of [summary, remarks]) {
          if (text && !seenDocs.has(text)) {
            seenDocs.add(text);
            out.push(text, '');
          }
        }
      }
      out.push(fenced(g.items.map(signatureOf).join('\n')), '');
      for (const item of g.items) {
        if (!item.members || item.kind === 'Function' || item.kind === 'Namespace') continue;
        const lines = memberLines(item, links);
        if (lines.length) out.push(...lines, '');
      }
      for (const item of g.items) {
        if (item.kind !== 'Namespace') continue;
        for (const m of item.members) {
          const { summary } = summaryOf(m, links);
          out.push(`- ${code(signatureOf(m))}${summary ? ` — ${summary.replace(/\n\n/g, ' ')}` : ''}`);
        }
        out.push('');
      }
    }
  }
  if (forgotten.length) {
    out.push('## Referenced types not exported here', '');
    out.push('Signatures on this page use these types, which this entry point does not export:', '');
    for (const name of forgotten) {
      const other = elsewhere(name);
      out.push(`- ${code(name)}: ${other ? `exported by [${code(other.importPath)}](${other.href})` : 'internal to the package'}`);
    }
    out.push('');
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function renderIndex(entries, groups) {
  const out = [];
  out.push('<!-- Generated by `npm run api-docs` (scripts/api-docs.mjs). Do not edit. -->', '');
  out.push('# API reference', '');
  out.push(
    'The public surface of every published tradekit package, generated from the compiled declarations',
    '(`dist/**/*.d.ts`) and their doc comments: one page per package entry point (`exports` subpath).',
    'Anything not listed here is internal and may change without notice.',
    '',
    'Regenerate after changing a public API: `npm run api-docs` (it builds first)',
    '(a test fails while these pages are stale).',
    '',
  );
  out.push('| Import | Package | Exports | Description |', '|---|---|---|---|');
  entries.forEach((e, i) => {
    const plugin = groups[i].some((g) => g.name === 'default' && g.items.some((it) => /PluginManifest\b/.test(it.excerpt?.text ?? '')));
    const desc =
      e.subpath === '.' && e.pkg.description
        ? escapeMd(e.pkg.description)
        : e.moduleDoc
          ? firstLine(e.moduleDoc)
          : plugin
            ? `Plugin (default export): ${code(`use: '${e.importPath}'`)} in a run config.`
            : '';
    out.push(`| [${code(e.importPath)}](${e.page}) | ${code(e.pkg.name)} | ${groups[i].length} | ${desc} |`);
  });
  return `${out.join('\n')}\n`;
}

/** Renders every page: returns { fileName: content }. */
export function render(entries, models, forgotten, root) {
  // Anchors first (so {@link X} can point across pages), in the order headings are written.
  const anchors = new Map(); // name -> href, the first entry point that exports it wins
  const ownAnchors = new Map(); // package name -> name -> { href, importPath }: the same package's entry points
  const perEntryGroups = models.map((model, i) => {
    const groups = groupsOf(model);
    const used = new Map();
    for (const kind of KIND_ORDER) {
      for (const g of groups.filter((x) => x.kind === kind)) {
        const base = slug(g.name);
        const n = used.get(base) ?? 0;
        used.set(base, n + 1);
        g.anchor = n === 0 ? base : `${base}-${n}`;
        const href = `${entries[i].page}#${g.anchor}`;
        if (!anchors.has(g.name)) anchors.set(g.name, href);
        if (!ownAnchors.has(entries[i].pkg.name)) ownAnchors.set(entries[i].pkg.name, new Map());
        const own = ownAnchors.get(entries[i].pkg.name);
        if (!own.has(g.name)) own.set(g.name, { href, importPath: entries[i].importPath });
      }
    }
    return groups;
  });
  const files = {};
  entries.forEach((entry, i) => {
    const local = new Map(perEntryGroups[i].map((g) => [g.name, `#${g.anchor}`]));
    const links = (name) => local.get(name) ?? anchors.get(name);
    // A type this entry point uses without exporting: the same package may export it elsewhere
    // (testkit's `Broker` is @tradekit/core's); a name this page exports is a different, internal type.
    const elsewhere = (name) => (local.has(name) ? undefined : ownAnchors.get(entry.pkg.name)?.get(name));
    files[entry.page] = renderEntry(entry, perEntryGroups[i], forgotten[i], links, elsewhere, root);
  });
  files['README.md'] = renderIndex(entries, perEntryGroups);
  return files;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function readDir(dir) {
  const files = {};
  if (!existsSync(dir)) return files;
  for (const f of readdirSync(dir)) if (f.endsWith('.md')) files[f] = readFileSync(path.join(dir, f), 'utf8');
  return files;
}

export function generate({ root = TOOL_ROOT } = {}) {
  const entries = findEntryPoints(root);
  const { models, warnings, forgotten } = extract(entries);
  return { files: render(entries, models, forgotten, root), warnings, entries };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { files, warnings } = generate({ root: opts.root });
  for (const w of warnings) process.stderr.write(`api-docs: warning: ${w}\n`);
  const existing = readDir(opts.out);
  const changed = Object.keys(files).filter((f) => existing[f] !== files[f]);
  const removed = Object.keys(existing).filter((f) => !(f in files));
  if (opts.check) {
    if (changed.length || removed.length) {
      const stale = [...changed, ...removed.map((f) => `${f} (removed)`)].join(', ');
      process.stderr.write(`api-docs: ${path.relative(process.cwd(), opts.out) || '.'} is stale (${stale}); run npm run api-docs\n`);
      process.exit(1);
    }
    process.stdout.write(`api-docs: ${Object.keys(files).length} pages up to date\n`);
    return;
  }
  mkdirSync(opts.out, { recursive: true });
  for (const f of removed) rmSync(path.join(opts.out, f));
  for (const f of changed) writeFileSync(path.join(opts.out, f), files[f]);
  const where = path.relative(process.cwd(), opts.out) || '.';
  process.stdout.write(`api-docs: ${Object.keys(files).length} pages in ${where} (${changed.length} written, ${removed.length} removed)\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof ApiDocsError ? e.message : e.stack}\n`);
    process.exit(e instanceof ApiDocsError ? 2 : 1);
  });
}
