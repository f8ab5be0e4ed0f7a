/**
 * A compact, versioned encoding of a {@link Syn} tree, for a persistent
 * cache of parses (the model's few thousand lines are the same in every
 * fresh `teardown grade` process; decoding them is several times faster
 * than tree-sitter's parse and the copy out of wasm, ./parser.ts).
 *
 * The tree is flattened in preorder, {@link WORDS} 32-bit words per node:
 * type (an index into `types`), flags (named, missing), start line and
 * column, end line and column, start and end index, child count and field
 * (an index into `fields`, or -1). A leaf's `text` is not stored: it is the
 * slice of the parsed text, exactly as ./parser.ts `copy` takes it, so the
 * decoded tree is equal to the parsed one (the round trip is tested).
 */
import type { Syn } from './syntax.js';

/**
 * Version of the encoding and of what the parse depends on (bump on a
 * grammar or Syn change; the Node store also keys its entries by a
 * fingerprint of the front end's code, ../node.ts codeFingerprint).
 */
export const SYN_CODEC_VERSION = 'syn-2/tree-sitter-c-0.24.1/web-tree-sitter-0.27.1';

const WORDS = 10;

/** An encoded tree: the tables and the node words. */
export interface EncodedSyn {
  version: string;
  types: string[];
  fields: string[];
  /** WORDS words per node, preorder. */
  words: Int32Array;
}

/** Does `copy` keep this node's text (a leaf, or a literal whose children are tokens)? */
function hasText(type: string, count: number): boolean {
  return count === 0 || type === 'string_literal' || type === 'char_literal' || type === 'preproc_arg';
}

/** Encode `root` (parsed from some text; the text is not stored). */
export function encodeSyn(root: Syn): EncodedSyn {
  const types: string[] = [];
  const typeIdx = new Map<string, number>();
  const fields: string[] = [];
  const fieldIdx = new Map<string, number>();
  const intern = (m: Map<string, number>, list: string[], s: string) => {
    let i = m.get(s);
    if (i === undefined) {
      i = list.length;
      list.push(s);
      m.set(s, i);
    }
    return i;
  };
  const out: number[] = [];
  const stack: [Syn, string | null][] = [[root, null]];
  while (stack.length) {
    const [n, f] = stack.pop()!;
    out.push(
      intern(typeIdx, types, n.type),
      (n.named ? 1 : 0) | (n.missing ? 2 : 0),
      n.start.line,
      n.start.column,
      n.end.line,
      n.end.column,
      n.startIndex,
      n.endIndex,
      n.children.length,
      f === null ? -1 : intern(fieldIdx, fields, f),
    );
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, n.fields[i] ?? null]);
  }
  return { version: SYN_CODEC_VERSION, types, fields, words: Int32Array.from(out) };
}

/**
 * Decode a tree encoded from a parse of `src`. Errors: throws when the
 * encoding's version differs or its words do not form one tree.
 */
export function decodeSyn(e: EncodedSyn, src: string): Syn {
  if (e.version !== SYN_CODEC_VERSION) throw new Error(`teardown: syntax cache version ${e.version}`);
  const w = e.words;
  if (w.length === 0 || w.length % WORDS !== 0) throw new Error('teardown: bad syntax cache entry');
  let at = 0;
  const node = (): Syn => {
    const type = e.types[w[at]!];
    if (type === undefined) throw new Error('teardown: bad syntax cache entry');
    const flags = w[at + 1]!;
    const startIndex = w[at + 6]!;
    const endIndex = w[at + 7]!;
    const count = w[at + 8]!;
    const n: Syn = {
      type,
      named: (flags & 1) !== 0,
      missing: (flags & 2) !== 0,
      start: { line: w[at + 2]!, column: w[at + 3]! },
      end: { line: w[at + 4]!, column: w[at + 5]! },
      startIndex,
      endIndex,
      text: hasText(type, count) ? src.slice(startIndex, endIndex) : '',
      children: [],
      fields: [],
    };
    at += WORDS;
    return n;
  };
  const root = node();
  // explicit stack of (node, children still to read), as deep trees must not overflow the JavaScript stack
  const stack: [Syn, number][] = [[root, w[8]!]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top[1] === 0) {
      stack.pop();
      continue;
    }
    top[1]--;
    if (at >= w.length) throw new Error('teardown: bad syntax cache entry');
    const f = w[at + 9]!;
    const count = w[at + 8]!;
    const c = node();
    top[0].children.push(c);
    const fieldName = f < 0 ? null : e.fields[f];
    if (fieldName === undefined) throw new Error('teardown: bad syntax cache entry');
    top[0].fields.push(fieldName);
    if (count) stack.push([c, count]);
  }
  if (at !== w.length) throw new Error('teardown: bad syntax cache entry');
  return root;
}

/**
 * What the persistent store keeps of one file's parse (./parse-files.ts
 * parseCached): everything the front end computes from the file's text
 * before declaring it, so that a hit runs neither the pre-pass nor
 * tree-sitter nor the syntax-error and size-limit walks.
 */
export interface StoredParse {
  /** The tree, parsed from `ppText`. */
  syn: EncodedSyn;
  /** The file's text after the pre-pass (./prepass.ts; as long as the text, same lines). */
  ppText: string;
  /** The loop macros the pre-pass rewrote: [offset of the `for`, macro name, argument count], in pre-pass order. */
  loops: [number, string, number][];
  /** True when the tree has no syntax error and no size-limit violation (./parse-files.ts treeProblems). */
  clean: boolean;
}

/**
 * A persistent store of parses by the file's text, before the pre-pass
 * (Node: files in a cache folder named by a hash of the text and of the
 * front end's code, ../node.ts). `get` returns undefined on a miss or any
 * error, a damaged entry included; `set` may drop the entry.
 */
export interface SyntaxStore {
  get(text: string): StoredParse | undefined;
  set(text: string, value: StoredParse): void;
}
