/**
 * The tree-sitter C front end, one code path for Node and for a browser worker.
 *
 * The host says where the two wasm files are (a file path in Node, a URL in a
 * browser); everything else is shared. See ../node.ts for the Node loader.
 */
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { Syn } from './syntax.js';

/** Where to find the wasm files: paths (Node) or URLs (browser), or bytes. */
export interface WasmLocations {
  /** web-tree-sitter's own runtime wasm (`web-tree-sitter/web-tree-sitter.wasm`). */
  treeSitterWasm: string;
  /** The C grammar (`tree-sitter-c/tree-sitter-c.wasm`). */
  cGrammarWasm: string | Uint8Array;
}

let ready: Promise<Parser> | undefined;

/**
 * Initialise tree-sitter once per process (or worker) and return the shared parser.
 * Errors: rejects when a wasm file cannot be loaded.
 */
export function initParser(where: WasmLocations): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init({ locateFile: () => where.treeSitterWasm });
    const lang = await Language.load(where.cGrammarWasm);
    const p = new Parser();
    p.setLanguage(lang);
    return p;
  })();
  return ready;
}

/** True once {@link initParser} has been called. */
export function parserInitialised(): boolean {
  return ready !== undefined;
}

/** Parse C text (already through the pre-pass) into a plain {@link Syn} tree. */
export async function parseC(text: string): Promise<Syn> {
  if (!ready) throw new Error('teardown: the C parser is not initialised (call initParser first)');
  const p = await ready;
  const tree = p.parse(text);
  if (!tree) throw new Error('teardown: tree-sitter returned no tree');
  try {
    return copy(tree.rootNode, text);
  } finally {
    tree.delete();
  }
}

/**
 * Copy the wasm tree into plain {@link Syn} nodes, iteratively (an explicit
 * stack, so no nesting depth overflows the JavaScript stack; the depth limits
 * are checked afterwards, see ./limits.ts).
 */
function copy(root: Node, src: string): Syn {
  const make = (n: Node): Syn => {
    const sp = n.startPosition;
    const ep = n.endPosition;
    const count = n.childCount;
    return {
      type: n.type,
      named: n.isNamed,
      missing: n.isMissing,
      start: { line: sp.row + 1, column: sp.column + 1 },
      end: { line: ep.row + 1, column: ep.column + 1 },
      startIndex: n.startIndex,
      endIndex: n.endIndex,
      text:
        count === 0 || n.type === 'string_literal' || n.type === 'char_literal' || n.type === 'preproc_arg'
          ? src.slice(n.startIndex, n.endIndex)
          : '',
      children: [],
      fields: [],
    };
  };
  const out = make(root);
  const stack: [Node, Syn][] = [[root, out]];
  while (stack.length) {
    const [n, s] = stack.pop()!;
    const count = n.childCount;
    for (let i = 0; i < count; i++) {
      const c = n.child(i)!;
      const cs = make(c);
      s.children.push(cs);
      s.fields.push(n.fieldNameForChild(i));
      if (c.childCount) stack.push([c, cs]);
    }
  }
  return out;
}
