/**
 * Position-keeping pre-pass for kernel idioms the stock tree-sitter C grammar
 * mis-parses. Every rewrite replaces text with text of the same length and
 * never touches a newline, so line and column numbers stay exact.
 *
 * - annotations (`__user`, `__rcu`, `__must_check`, `__attribute__((...))`, ...)
 *   are blanked with spaces;
 * - `EXPORT_SYMBOL*(...);` lines are blanked;
 * - a type argument `struct T` of `container_of`, `list_entry`, `list_first_entry`
 *   and `offsetof` becomes the identifier `struct_T` (lowering reads it back);
 * - a lone CR (old Mac line ending) becomes a LF, so line numbers are exact;
 * - loop macros (`xa_for_each`, `list_for_each_entry[_safe]`, `scoped_guard`)
 *   become `for` statements with the same arguments; the macro is recorded in
 *   {@link PrepassResult.loops} by the offset of the `for`.
 */

/** A loop macro rewritten into a `for` statement. */
export interface LoopMacro {
  /** Macro name, e.g. `xa_for_each`. */
  name: string;
  /** Number of macro arguments. */
  argc: number;
}

/** The rewritten text (same length and lines) and the loop macros found in it. */
export interface PrepassResult {
  text: string;
  /** Loop macros by the start offset of the rewritten `for`. */
  loops: Map<number, LoopMacro>;
}

const BLANK_WORDS = new Set([
  '__user',
  '__rcu',
  '__iomem',
  '__must_check',
  '__always_inline',
  '__init',
  '__exit',
  '__maybe_unused',
  '__force',
  '__percpu',
  '__read_mostly',
  '__ro_after_init',
  'noinline',
  '__cold',
  '__weak',
  '__randomize_layout',
  '__packed',
  '__aligned',
  '__acquires',
  '__releases',
  '__must_hold',
  '__counted_by',
  '__attribute__',
  '__initdata',
  '__nocast',
  '__private',
  '__kernel',
  'likely_notrace',
]);
/** Words followed by a parenthesised argument that is blanked with them. */
const BLANK_WITH_ARGS = new Set([
  '__attribute__',
  '__aligned',
  '__acquires',
  '__releases',
  '__must_hold',
  '__counted_by',
]);

const TYPE_ARG_MACROS: Record<string, number> = {
  container_of: 1,
  list_entry: 1,
  list_first_entry: 1,
  list_last_entry: 1,
  offsetof: 0,
  container_of_const: 1,
  list_first_entry_or_null: 1,
};

/** Loop macros and their argument counts. */
export const LOOP_MACROS: Record<string, number> = {
  xa_for_each: 3,
  xa_for_each_start: 4,
  list_for_each_entry: 3,
  list_for_each_entry_safe: 4,
  scoped_guard: 2,
};

interface Tok {
  kind: 'id' | 'punct' | 'other';
  text: string;
  start: number;
  end: number;
}

function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (c === '/' && s[i + 1] === '*') {
      const j = s.indexOf('*/', i + 2);
      i = j < 0 ? n : j + 2;
      continue;
    }
    if (c === '/' && s[i + 1] === '/') {
      const j = s.indexOf('\n', i);
      i = j < 0 ? n : j;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && s[j] !== c && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
      toks.push({ kind: 'other', text: s.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(s[j]!)) j++;
      toks.push({ kind: 'id', text: s.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(s[j]!)) j++;
      toks.push({ kind: 'other', text: s.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    toks.push({ kind: 'punct', text: c, start: i, end: i + 1 });
    i++;
  }
  return toks;
}

/** Index of the token closing the paren opened at `open`, or -1. */
function matchParen(toks: Tok[], open: number): number {
  let depth = 0;
  for (let k = open; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Top-level comma token indices between an open paren and its close. */
function topCommas(toks: Tok[], open: number, close: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = toks[k]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    else if (t.text === ',' && depth === 0) out.push(k);
  }
  return out;
}

/** `text` with every lone CR (old Mac line ending) made a LF: same length, so every offset stays. */
export function loneCrToLf(text: string): string {
  return text.replace(/\r(?!\n)/g, '\n');
}

/** Run the pre-pass. Never throws; unbalanced input is left for the parser to report. */
export function prepass(text: string): PrepassResult {
  const src = loneCrToLf(text);
  const out = src.split('');
  const put = (at: number, text: string) => {
    for (let k = 0; k < text.length; k++) out[at + k] = text[k]!;
  };
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  const toks = tokenize(src);
  const loops = new Map<number, LoopMacro>();

  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.kind !== 'id') continue;
    const next = toks[k + 1];
    if (BLANK_WORDS.has(t.text)) {
      if (BLANK_WITH_ARGS.has(t.text) && next?.text === '(') {
        const close = matchParen(toks, k + 1);
        if (close > 0) {
          blank(t.start, toks[close]!.end);
          k = close;
          continue;
        }
      }
      blank(t.start, t.end);
      continue;
    }
    if (/^EXPORT_SYMBOL\w*$/.test(t.text) && next?.text === '(') {
      const close = matchParen(toks, k + 1);
      if (close > 0) {
        const semi = toks[close + 1]?.text === ';' ? close + 1 : close;
        blank(t.start, toks[semi]!.end);
        k = semi;
      }
      continue;
    }
    const typeArg = TYPE_ARG_MACROS[t.text];
    if (typeArg !== undefined && next?.text === '(') {
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      const commas = topCommas(toks, k + 1, close);
      const from = typeArg === 0 ? k + 2 : commas[typeArg - 1]! + 1;
      const st = toks[from];
      const nm = toks[from + 1];
      if (st && nm && (st.text === 'struct' || st.text === 'union') && nm.kind === 'id') {
        const gap = src.slice(st.end, nm.start);
        if (/^[ \t]+$/.test(gap)) put(st.end, '_'.repeat(gap.length));
      }
      continue;
    }
    const argc = LOOP_MACROS[t.text];
    if (argc !== undefined && next?.text === '(') {
      const close = matchParen(toks, k + 1);
      if (close < 0) continue;
      const commas = topCommas(toks, k + 1, close);
      if (commas.length + 1 !== argc) continue; // leave it: lowering reports the wrong arity
      if (argc >= 3) {
        put(t.start, 'for' + ' '.repeat(t.text.length - 3));
        put(toks[commas[0]!]!.start, ';');
        put(toks[commas[1]!]!.start, ';');
      } else {
        // two arguments: `for(;` + padding, the original `(` blanked, the comma made a `;`
        put(t.start, 'for(;' + ' '.repeat(t.text.length - 5));
        put(next.start, ' ');
        put(toks[commas[0]!]!.start, ';');
      }
      loops.set(t.start, { name: t.text, argc });
    }
  }
  return { text: out.join(''), loops };
}
