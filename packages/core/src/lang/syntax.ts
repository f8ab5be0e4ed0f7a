/**
 * A plain-data copy of a tree-sitter syntax tree.
 *
 * Lowering walks this copy instead of the wasm-backed `Node` objects: it is
 * faster to traverse, it can be kept after the wasm tree is deleted, and it
 * has no dependency on web-tree-sitter.
 */

/** A source position: 1-based line, 1-based column (as editors show them). */
export interface Pos {
  line: number;
  column: number;
}

/** One syntax node. Leaves keep their text; named children keep their field name. */
export interface Syn {
  type: string;
  named: boolean;
  missing: boolean;
  start: Pos;
  end: Pos;
  startIndex: number;
  endIndex: number;
  text: string;
  children: Syn[];
  /** Field name of each child (same index as `children`), or null. */
  fields: (string | null)[];
}

/** The named child stored under `field`, if any. */
export function field(n: Syn, name: string): Syn | undefined {
  const i = n.fields.indexOf(name);
  return i < 0 ? undefined : n.children[i];
}

/** All children stored under `field`. */
export function fieldAll(n: Syn, name: string): Syn[] {
  const out: Syn[] = [];
  for (let i = 0; i < n.children.length; i++) if (n.fields[i] === name) out.push(n.children[i]!);
  return out;
}

/** Named children, skipping comments. */
export function named(n: Syn): Syn[] {
  return n.children.filter((c) => c.named && c.type !== 'comment');
}

/** The last token of `n` (its rightmost leaf): where the closing brace of a block stands. */
export function lastToken(n: Syn): Syn {
  let c = n;
  while (c.children.length) c = c.children[c.children.length - 1]!;
  return c;
}

/**
 * Visit `root` and every node below it in pre-order (source order), with an
 * explicit stack: no nesting depth can overflow the JavaScript stack.
 * `visit` returns false to skip a node's children.
 */
export function forEachNode(root: Syn, visit: (n: Syn, depth: number) => boolean | undefined): void {
  // two parallel stacks (no pair allocated per node)
  const nodes: Syn[] = [root];
  const depths: number[] = [0];
  while (nodes.length) {
    const n = nodes.pop()!;
    const d = depths.pop()!;
    if (visit(n, d) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) {
      nodes.push(n.children[i]!);
      depths.push(d + 1);
    }
  }
}
