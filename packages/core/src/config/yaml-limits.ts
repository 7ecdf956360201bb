/**
 * Resource limits on a YAML config, so a hostile one (an upload to `tradekit serve`) costs
 * milliseconds, not seconds: parsing YAML is far slower than reading it (a 500 KB flow-nested or
 * many-keyed document takes the `yaml` parser seconds), so the text is first scanned once, character
 * by character, for nesting depth, alias count and an estimate of the node count; only a text within
 * the limits is parsed, and the parsed document is then counted exactly before anything expands
 * aliases or reads values.
 */
import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, visit, type Document } from 'yaml';

export interface YamlLimits {
  /** Largest config accepted, in bytes (undefined: no limit). */
  maxBytes?: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth: number;
  /** Alias nodes (`*name`) in the document. */
  maxAliases: number;
  /** Nodes (scalars, mappings, sequences, aliases) in the document. */
  maxNodes: number;
}

/** Far above any real config (the shipped examples have depth ≤ 6 and a few hundred nodes). */
export const DEFAULT_YAML_LIMITS: Readonly<YamlLimits> = Object.freeze({ maxDepth: 64, maxAliases: 100, maxNodes: 10_000 });

export interface LimitHit {
  limit: 'maxBytes' | 'maxDepth' | 'maxAliases' | 'maxNodes';
  /** The limit's value. */
  max: number;
  /** Where it was exceeded (1-based). */
  line: number;
  column: number;
}

const SP = 32;
const TAB = 9;
const LF = 10;
const CR = 13;

/**
 * One pass over the text: nesting depth (block indentation levels plus flow brackets), alias count
 * and an estimate of the node count (scalars, aliases, flow collections: never more than the parser
 * will find, so the exact count after parsing is the one that decides near the limit). Comments,
 * quoted scalars (up to the end of their line) and block scalars are skipped. Linear, no allocation
 * per character.
 */
export function scanYamlLimits(text: string, limits: YamlLimits): LimitHit | undefined {
  const n = text.length;
  if (limits.maxBytes !== undefined && n > limits.maxBytes && Buffer.byteLength(text, 'utf8') > limits.maxBytes) {
    return { limit: 'maxBytes', max: limits.maxBytes, line: 1, column: 1 };
  }
  const indents: number[] = [];
  let flow = 0;
  let nodes = 0;
  let aliases = 0;
  let line = 1;
  let i = 0;
  /** Inside a block scalar (`|`, `>`): lines indented more than this are its text. */
  let blockScalarParent = -1;
  const hit = (limit: LimitHit['limit'], max: number, lineStart: number): LimitHit => ({ limit, max, line, column: i - lineStart + 1 });

  while (i < n) {
    const lineStart = i;
    let indent = 0;
    while (i < n && text.charCodeAt(i) === SP) {
      indent++;
      i++;
    }
    let c = text.charCodeAt(i);
    if (i >= n || c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
      i = c === CR ? i + 2 : i + 1;
      line++;
      continue;
    }
    if (blockScalarParent >= 0) {
      if (indent > blockScalarParent) {
        i = endOfLine(text, i);
        continue;
      }
      blockScalarParent = -1;
    }
    if (c === 35 /* # */) {
      i = endOfLine(text, i);
      continue;
    }
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      if (indents.length > limits.maxDepth) return hit('maxDepth', limits.maxDepth, lineStart);
    }
    let tokenStart = true;
    let prevWs = true;
    while (i < n) {
      c = text.charCodeAt(i);
      if (c === LF) break;
      const next = text.charCodeAt(i + 1);
      const nextWs = i + 1 >= n || next === SP || next === TAB || next === LF || next === CR;
      if (c === SP || c === TAB || c === CR) {
        prevWs = true;
        i++;
        continue;
      }
      if (c === 35 /* # */ && prevWs) {
        i = endOfLine(text, i);
        break;
      }
      prevWs = false;
      if (tokenStart && !(c === 93 || c === 125 || c === 44) /* ] } , close or separate, they start nothing */) {
        if ((c === 45 /* - */ || c === 63) /* ? */ && nextWs) {
          // A sequence item (or complex key): its content nests one level deeper, on this line.
          if (flow === 0) {
            indents.push(i - lineStart + 2);
            if (indents.length > limits.maxDepth) return hit('maxDepth', limits.maxDepth, lineStart);
          }
          i++;
          continue;
        }
        if (c === 38 /* & */ || c === 33 /* ! */) {
          // Anchor or tag: the node itself follows.
          while (i < n && !isBreak(text.charCodeAt(i))) i++;
          continue;
        }
        if (c === 91 /* [ */ || c === 123 /* { */) {
          flow++;
          nodes++;
          if (indents.length + flow > limits.maxDepth) return hit('maxDepth', limits.maxDepth, lineStart);
          if (nodes > limits.maxNodes) return hit('maxNodes', limits.maxNodes, lineStart);
          i++;
          continue;
        }
        nodes++;
        if (nodes > limits.maxNodes) return hit('maxNodes', limits.maxNodes, lineStart);
        tokenStart = false;
        if (c === 42 /* * */) {
          aliases++;
          if (aliases > limits.maxAliases) return hit('maxAliases', limits.maxAliases, lineStart);
          while (i < n && !isBreak(text.charCodeAt(i)) && !(flow > 0 && isFlowIndicator(text.charCodeAt(i)))) i++;
          continue;
        }
        if (c === 34 /* " */) {
          i = endOfDoubleQuoted(text, i + 1);
          continue;
        }
        if (c === 39 /* ' */) {
          i = endOfSingleQuoted(text, i + 1);
          continue;
        }
        if ((c === 124 /* | */ || c === 62) /* > */ && flow === 0) {
          blockScalarParent = indent;
          i = endOfLine(text, i);
          break;
        }
        // A plain scalar starts here; its characters are handled below.
      }
      if (c === 58 /* : */ && (nextWs || (flow > 0 && isFlowIndicator(next)))) {
        tokenStart = true;
      } else if (flow > 0) {
        if (c === 44 /* , */) tokenStart = true;
        else if (c === 93 /* ] */ || c === 125 /* } */) flow = Math.max(0, flow - 1);
        else if (c === 91 || c === 123) {
          // A bracket inside a plain scalar in flow context: the parser would nest (or fail); count it.
          flow++;
          if (indents.length + flow > limits.maxDepth) return hit('maxDepth', limits.maxDepth, lineStart);
        }
      }
      i++;
    }
    if (i < n && text.charCodeAt(i) === LF) {
      i++;
      line++;
    }
  }
  return undefined;
}

function isBreak(c: number): boolean {
  return c === SP || c === TAB || c === LF || c === CR || Number.isNaN(c);
}

function isFlowIndicator(c: number): boolean {
  return c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
}

function endOfLine(text: string, i: number): number {
  const e = text.indexOf('\n', i);
  return e < 0 ? text.length : e;
}

/** After the closing quote, or at the end of the line (a quoted scalar's next lines are scanned as lines). */
function endOfDoubleQuoted(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LF) return i;
    if (c === 92 /* \ */) i += 2;
    else if (c === 34) return i + 1;
    else i++;
  }
  return n;
}

function endOfSingleQuoted(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LF) return i;
    if (c === 39) {
      if (text.charCodeAt(i + 1) === 39) i += 2;
      else return i + 1;
    } else i++;
  }
  return n;
}

/** The exact count on a parsed document: nodes, aliases and depth, stopping at the first limit passed. */
export function checkDocumentLimits(doc: Document, limits: YamlLimits, linePos: (offset: number) => { line: number; column: number }): LimitHit | undefined {
  let nodes = 0;
  let aliases = 0;
  let found: LimitHit | undefined;
  const at = (node: unknown, limit: LimitHit['limit'], max: number): LimitHit => {
    const range = isNode(node) ? node.range : undefined;
    return { limit, max, ...(range ? linePos(range[0]) : { line: 1, column: 1 }) };
  };
  visit(doc, (_key, node, ancestors) => {
    if (!(isScalar(node) || isMap(node) || isSeq(node) || isAlias(node))) return undefined;
    nodes++;
    if (nodes > limits.maxNodes) found = at(node, 'maxNodes', limits.maxNodes);
    else if (isAlias(node) && ++aliases > limits.maxAliases) found = at(node, 'maxAliases', limits.maxAliases);
    else if (isCollection(node)) {
      let depth = 1;
      for (const a of ancestors) if (isCollection(a)) depth++;
      if (depth > limits.maxDepth) found = at(node, 'maxDepth', limits.maxDepth);
    }
    return found ? visit.BREAK : undefined;
  });
  return found;
}

/** A hit as a sentence that says what to change. */
export function describeLimitHit(h: LimitHit): string {
  switch (h.limit) {
    case 'maxBytes':
      return `the config is larger than ${h.max} bytes: split it or remove what it does not need`;
    case 'maxDepth':
      return `the config nests mappings/sequences more than ${h.max} deep: flatten it`;
    case 'maxAliases':
      return `the config uses more than ${h.max} aliases (*name), or expands them too often: write the values out`;
    case 'maxNodes':
      return `the config has more than ${h.max} values: it is far larger than a run config needs`;
  }
}
