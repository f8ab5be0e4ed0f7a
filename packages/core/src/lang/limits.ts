/**
 * The size limits of kernel-C (docs/kernel-c.md, "Limits"), checked on the
 * syntax tree before any recursive pass runs: every later pass (declarations,
 * constant evaluation, lowering) recurses at most as deep as the tree, so a
 * tree within {@link MAX_NESTING} cannot overflow the JavaScript stack.
 */
import { type Syn, forEachNode } from './syntax.js';

/** Deepest nesting of syntax (expressions in expressions, blocks in blocks, declarators, initialisers). */
export const MAX_NESTING = 256;

/** Most statements in one function body. */
export const MAX_STATEMENTS = 10_000;

/** What a node too deep is, for the diagnostic: `expression`, `block`, ... */
function kindOf(n: Syn): string {
  const t = n.type;
  if (t === 'compound_statement' || t.endsWith('_statement') || t === 'else_clause') return 'block';
  if (t.startsWith('initializer')) return 'initializer';
  if (t.endsWith('declarator')) return 'declarator';
  if (t.includes('struct') || t.includes('union') || t.includes('enum') || t.startsWith('field_decl')) {
    return 'type';
  }
  return 'expression';
}

/** How to get under the limit, by kind. */
const ADVICE: Record<string, string> = {
  expression: 'split it with local variables',
  block: 'move inner blocks into functions',
  initializer: 'flatten the initializer',
  declarator: 'use a typedef',
  type: 'declare the inner types separately',
};

/**
 * Report (once per file) the first construct nested deeper than
 * {@link MAX_NESTING} levels, and every function with more than
 * {@link MAX_STATEMENTS} statements (at its first statement over the limit).
 * Returns true when the tree is within the limits.
 */
export function checkLimits(root: Syn, report: (n: Syn, message: string) => void): boolean {
  let ok = true;
  let deep = false;
  let fnEnd = -1;
  let statements = 0;
  forEachNode(root, (n, depth) => {
    if (!n.named) return false;
    if (depth > MAX_NESTING) {
      if (!deep) {
        const kind = kindOf(n);
        report(n, `${kind} nested deeper than ${MAX_NESTING} levels; ${ADVICE[kind]}`);
      }
      deep = true;
      ok = false;
      return false;
    }
    if (n.type === 'function_definition') {
      fnEnd = n.endIndex;
      statements = 0;
    } else if (n.startIndex < fnEnd && isStatement(n) && ++statements === MAX_STATEMENTS + 1) {
      report(n, `more than ${MAX_STATEMENTS} statements in one function; split it into smaller functions`);
      ok = false;
    }
    return true;
  });
  return ok;
}

/** A statement that counts towards {@link MAX_STATEMENTS} (a block `{ ... }` itself does not). */
function isStatement(n: Syn): boolean {
  return n.type.endsWith('_statement') && n.type !== 'compound_statement';
}
