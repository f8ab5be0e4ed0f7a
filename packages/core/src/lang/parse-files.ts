/**
 * Parsing for the front end: each file's tree after the position-keeping
 * pre-pass (cached by text: trees are never mutated, so compiles share them),
 * its syntax errors as readable diagnostics, and #define bodies parsed as
 * expressions that lowering can expand.
 */
import { type Syn, field, named } from './syntax.js';
import { parseC } from './parser.js';
import { prepass, type LoopMacro } from './prepass.js';
import type { Macro } from './declare.js';

/** A parsed file: its tree, the loop macros the pre-pass rewrote, and the pre-passed text. */
export interface Parsed {
  root: Syn;
  loops: Map<number, LoopMacro>;
  ppText: string;
}

/** Parsed files by text. Trees are never mutated after parsing, so they are shared between compiles. */
const parseCache = new Map<string, Parsed>();
const PARSE_CACHE_SIZE = 64;

/** The parse of `text` (after the pre-pass), from the cache when it was parsed before. */
export async function parseCached(text: string): Promise<Parsed> {
  const hit = parseCache.get(text);
  if (hit) {
    // most recently used last
    parseCache.delete(text);
    parseCache.set(text, hit);
    return hit;
  }
  const pp = prepass(text);
  const parsed: Parsed = { root: await parseC(pp.text), loops: pp.loops, ppText: pp.text };
  parseCache.set(text, parsed);
  if (parseCache.size > PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value!);
  return parsed;
}

/** Report ERROR and MISSING nodes with a readable message. */
export function syntaxErrors(root: Syn, text: string, report: (n: Syn, m: string) => void): void {
  let count = 0;
  const visit = (n: Syn) => {
    if (count >= 8) return;
    if (n.missing) {
      count++;
      report(n, `syntax error: expected '${n.type}'`);
      return;
    }
    if (n.type === 'ERROR') {
      count++;
      const snippet = text
        .slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 40))
        .replace(/\s+/g, ' ')
        .trim();
      // a statement line that does not end in ; { } , : is most often a missing semicolon
      const line = (text.split('\n')[n.start.line - 1] ?? '').replace(/\/\/.*$|\/\*.*?\*\//g, '').trimEnd();
      const nextLine = (text.split('\n')[n.start.line] ?? '').trim();
      const atEol = n.end.line > n.start.line || line.length <= n.end.column - 1;
      if (line.trim() && !/[;{},:\\]$/.test(line) && !/^\s*#/.test(line) && atEol && nextLine) {
        report(
          { ...n, start: { line: n.start.line, column: line.length + 1 } },
          `syntax error: expected ';' at the end of the line (after '${line.trim().slice(-20)}')`,
        );
        return;
      }
      report(n, `syntax error near '${snippet}'${hint(snippet)}`);
      return;
    }
    for (const c of n.children) visit(c);
  };
  visit(root);
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
    s.children.forEach(shift);
  };
  let bad = false;
  const check = (s: Syn) => {
    if (s.type === 'ERROR' || s.missing) bad = true;
    s.children.forEach(check);
  };
  check(root);
  if (bad) {
    report(n, `macro '${name}' is not an expression the model can expand; write it as a static inline function`);
    return { name, params, expr: null, stmt: null, file, text: src };
  }
  shift(root);
  const fn = named(root)[0]!;
  const stmt = named(field(fn, 'body')!)[0]!;
  let e = named(stmt)[0]!;
  if (e.type === 'parenthesized_expression') e = named(e)[0]!;
  return { name, params, expr: e, stmt: null, file, text: src };
}
