/**
 * Parsing for the front end: each file's tree after the position-keeping
 * pre-pass (cached by text: trees are never mutated, so compiles share them),
 * its syntax errors as readable diagnostics, and #define bodies parsed as
 * expressions that lowering can expand.
 */
import { type Syn, field, forEachNode, named } from './syntax.js';
import { parseC } from './parser.js';
import { prepass, type LoopMacro } from './prepass.js';
import type { Macro } from './declare.js';
import { MAX_NESTING, checkLimits } from './limits.js';
import { type SyntaxStore, decodeSyn, encodeSyn } from './syn-codec.js';

/** A parsed file: its tree, the loop macros the pre-pass rewrote, and the pre-passed text. */
export interface Parsed {
  root: Syn;
  loops: Map<number, LoopMacro>;
  ppText: string;
}

/**
 * The problems of a parsed tree, found once per tree: its syntax errors and
 * its size limits (./limits.ts), as the (node, message) pairs to report.
 */
export interface TreeProblems {
  syntax: [Syn, string][];
  limits: [Syn, string][];
}

const problemsOf = new WeakMap<Parsed, TreeProblems>();

/** The syntax errors and limit violations of `p`, computed on first use (trees are immutable). */
export function treeProblems(p: Parsed): TreeProblems {
  let r = problemsOf.get(p);
  if (!r) {
    const syntax: [Syn, string][] = [];
    const limits: [Syn, string][] = [];
    syntaxErrors(p.root, p.ppText, (n, m) => syntax.push([n, m]));
    checkLimits(p.root, (n, m) => limits.push([n, m]));
    r = { syntax, limits };
    problemsOf.set(p, r);
  }
  return r;
}

/** Parsed files by text. Trees are never mutated after parsing, so they are shared between compiles. */
const parseCache = new Map<string, Parsed>();
const PARSE_CACHE_SIZE = 64;

/** Forget the parses kept in memory (the persistent store keeps its own); for tests of the store. */
export function clearParseCache(): void {
  parseCache.clear();
}

/**
 * Texts at least this long go through the persistent store (the model's,
 * the harnesses' and the scenarios' files; not the few-line programs of
 * unit tests, which would only fill the cache folder).
 */
const STORE_MIN_CHARS = 512;
let store: SyntaxStore | undefined;

/**
 * Install a persistent store of parses (or remove it with undefined): a
 * parse of a long text is looked up there before the pre-pass and
 * tree-sitter run, and put there after. See ./syn-codec.ts.
 */
export function setSyntaxStore(s: SyntaxStore | undefined): void {
  store = s;
}

/**
 * The parse of `text` from the persistent store, with its problems when the
 * entry says there are none; undefined on a miss or an entry that does not
 * decode (then the text is parsed again and the entry replaced).
 */
function loadStored(s: SyntaxStore, text: string): Parsed | undefined {
  const hit = s.get(text);
  if (!hit) return undefined;
  try {
    if (typeof hit.ppText !== 'string' || hit.ppText.length !== text.length || !Array.isArray(hit.loops))
      return undefined;
    const loops = new Map<number, LoopMacro>();
    for (const [at, name, argc] of hit.loops) {
      if (typeof at !== 'number' || typeof name !== 'string' || typeof argc !== 'number') return undefined;
      loops.set(at, { name, argc });
    }
    const parsed: Parsed = { root: decodeSyn(hit.syn, hit.ppText), loops, ppText: hit.ppText };
    if (hit.clean === true) problemsOf.set(parsed, { syntax: [], limits: [] });
    return parsed;
  } catch {
    return undefined;
  }
}

/** Pre-pass and parse `text` with tree-sitter. */
async function parseFresh(text: string): Promise<Parsed> {
  const pp = prepass(text);
  return { root: await parseC(pp.text), loops: pp.loops, ppText: pp.text };
}

/**
 * The parse of `text` (after the pre-pass), from the cache when it was
 * parsed before. `persist`: through the persistent store too (the model's
 * and the exercises' files; a learner's text is not kept on disk).
 */
export async function parseCached(text: string, persist = true): Promise<Parsed> {
  const hit = parseCache.get(text);
  if (hit) {
    // most recently used last
    parseCache.delete(text);
    parseCache.set(text, hit);
    return hit;
  }
  const s = persist && text.length >= STORE_MIN_CHARS ? store : undefined;
  let parsed = s && loadStored(s, text);
  if (!parsed) {
    parsed = await parseFresh(text);
    if (s) {
      const problems = treeProblems(parsed);
      s.set(text, {
        syn: encodeSyn(parsed.root),
        ppText: parsed.ppText,
        loops: [...parsed.loops].map(([at, m]) => [at, m.name, m.argc]),
        clean: problems.syntax.length === 0 && problems.limits.length === 0,
      });
    }
  }
  parseCache.set(text, parsed);
  if (parseCache.size > PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value!);
  return parsed;
}

/**
 * Report ERROR and MISSING nodes with a readable message (iteratively: no
 * nesting depth overflows the stack). A `{` still open at the end of the file
 * is reported where it was opened, with a missing `;` on the last line,
 * instead of at the start of the ERROR node that swallowed the file.
 */
export function syntaxErrors(root: Syn, text: string, report: (n: Syn, m: string) => void): void {
  let count = 0;
  const lines = text.split('\n');
  const codeLine = (k: number) => (lines[k - 1] ?? '').replace(/\/\/.*$|\/\*.*?\*\//g, '').trimEnd();
  const end = text.trimEnd().length;
  const open = unclosedBrace(text);
  if (open) {
    count++;
    const at = { ...root, start: open, end: open };
    report(at, "syntax error: this '{' is never closed; add the missing '}' before the end of the file");
    let last = lines.length;
    while (last > 1 && !codeLine(last).trim()) last--;
    const line = codeLine(last);
    if (line.trim() && !/[;{},:\\]$/.test(line) && !/^\s*#/.test(line)) {
      count++;
      const pos = { line: last, column: line.length + 1 };
      report(
        { ...root, start: pos, end: pos },
        `syntax error: expected ';' at the end of the line (after '${line.trim().slice(-20)}')`,
      );
    }
  }
  forEachNode(root, (n) => {
    if (count >= 8) return false;
    if (open && (n.type === 'ERROR' || n.missing) && n.endIndex >= end) return n.type === 'ERROR';
    if (n.missing) {
      count++;
      report(n, `syntax error: expected '${n.type}'`);
      return false;
    }
    if (n.type !== 'ERROR') return true;
    count++;
    const snippet = text
      .slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 40))
      .replace(/\s+/g, ' ')
      .trim();
    // a statement line that does not end in ; { } , : is most often a missing semicolon
    const line = codeLine(n.start.line);
    const nextLine = (lines[n.start.line] ?? '').trim();
    const atEol = n.end.line > n.start.line || line.length <= n.end.column - 1;
    if (line.trim() && !/[;{},:\\]$/.test(line) && !/^\s*#/.test(line) && atEol && nextLine) {
      report(
        { ...n, start: { line: n.start.line, column: line.length + 1 } },
        `syntax error: expected ';' at the end of the line (after '${line.trim().slice(-20)}')`,
      );
      return false;
    }
    report(n, `syntax error near '${snippet}'${hint(snippet)}`);
    return false;
  });
}

/** Where the innermost `{` still open at the end of `text` was opened (comments and literals skipped), if any. */
function unclosedBrace(text: string): { line: number; column: number } | undefined {
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*')
      i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 1;
    else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '{') open.push(i);
    else if (c === '}') open.pop();
  }
  const at = open.pop();
  if (at === undefined) return undefined;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

function hint(snippet: string): string {
  if (/\b(typeof|__typeof__)\b/.test(snippet)) return ': typeof is not supported; name the type';
  if (/\basm\b/.test(snippet)) return ': inline assembly is not supported';
  return '';
}

/** Parse a #define body as an expression (or a statement). */
export async function parseMacro(
  n: Syn,
  file: number,
  src: string,
  report: (n: Syn, m: string) => void,
): Promise<Macro | undefined> {
  const nameNode = field(n, 'name');
  if (!nameNode) return undefined;
  const name = nameNode.text;
  const paramsNode = field(n, 'parameters');
  const params = paramsNode
    ? named(paramsNode)
        .filter((c) => c.type === 'identifier')
        .map((c) => c.text)
    : null;
  const valueNode = field(n, 'value');
  if (!valueNode) return { name, params, expr: null, stmt: null, file, text: src };
  const body = src.slice(valueNode.startIndex, valueNode.endIndex);
  const line0 = valueNode.start.line;
  const col0 = valueNode.start.column;
  // `void __m(void) { (` + body + `); }` keeps the body on the same relative lines
  const prefix = 'void __m(void){(';
  const synth = prefix + body.replace(/\\\n/g, ' \n') + ');}';
  const root = await parseC(prepass(synth).text);
  const shift = (s: Syn) => {
    const fix = (p: { line: number; column: number }) => {
      if (p.line === 1) p.column = col0 + (p.column - 1 - prefix.length);
      p.line = line0 + (p.line - 1);
    };
    fix(s.start);
    fix(s.end);
    // map indices into the original file text
    s.startIndex = valueNode.startIndex + (s.startIndex - prefix.length);
    s.endIndex = valueNode.startIndex + (s.endIndex - prefix.length);
  };
  let bad = false;
  forEachNode(root, (s) => {
    if (s.type === 'ERROR' || s.missing) bad = true;
    return !bad;
  });
  if (!bad && !checkLimits(root, () => {})) {
    report(n, `macro '${name}' is nested deeper than ${MAX_NESTING} levels; write it as a static inline function`);
    return { name, params, expr: null, stmt: null, file, text: src };
  }
  if (bad) {
    report(n, `macro '${name}' is not an expression the model can expand; write it as a static inline function`);
    return { name, params, expr: null, stmt: null, file, text: src };
  }
  forEachNode(root, (s) => {
    shift(s);
    return true;
  });
  const fn = named(root)[0]!;
  const stmt = named(field(fn, 'body')!)[0]!;
  let e = named(stmt)[0]!;
  if (e.type === 'parenthesized_expression') e = named(e)[0]!;
  return { name, params, expr: e, stmt: null, file, text: src };
}
