/**
 * Random programs whose tasks let pointers to their locals out in the ways
 * vm/escape.ts must notice, or keep them in: published directly (`sp`),
 * through a local that holds the pointer (`spp`, a pointer to that local),
 * through such a local of a called helper (`box`, which the helper sets
 * before or after it publishes it: the pointer into the caller's block is
 * then stored into a block that escaped), handed to a built-in that keeps
 * it (`xa_store`), or never let out (the address taken, used privately).
 * Other tasks read the published pointer and read or write through it,
 * under the mutex or not, before or after the owner's frames return.
 */
import fc from 'fast-check';
import { accessThrough } from './genprog.js';

type Mode = 'direct' | 'box' | 'callee' | 'xa' | 'private';
type Leaf = { k: 'read'; v: number } | { k: 'write'; v: number; val: number };

export type EscapeOp =
  | { k: 'publish'; mode: Mode; locked: boolean; late: boolean; body: Leaf[]; clear: boolean; keep: boolean }
  | { k: 'use'; from: 'sp' | 'spp' | 'xa'; locked: boolean; write: boolean; marked: boolean }
  | { k: 'plain'; op: Leaf };

const leaf: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), v: fc.nat(1) }),
  fc.record({ k: fc.constant('write' as const), v: fc.nat(1), val: fc.integer({ min: 1, max: 2 }) }),
);

const escapeOp: fc.Arbitrary<EscapeOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('publish' as const),
      mode: fc.constantFrom<Mode>('direct', 'box', 'callee', 'xa', 'private'),
      locked: fc.boolean(),
      late: fc.boolean(),
      body: fc.array(leaf, { maxLength: 1 }),
      clear: fc.boolean(),
      keep: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('use' as const),
      from: fc.constantFrom('sp' as const, 'spp' as const, 'xa' as const),
      locked: fc.boolean(),
      write: fc.boolean(),
      marked: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('plain' as const), op: leaf }) },
);

/** Two or three threads of one or two operations each, rendered as kernel-C. */
export const escapeProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(escapeOp, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 })
  .map(renderEscape);

const renderLeaf = (o: Leaf, ind: string): string =>
  o.k === 'read' ? `${ind}l = READ_ONCE(x${o.v});\n` : `${ind}WRITE_ONCE(x${o.v}, ${o.val});\n`;

const lock = (on: boolean, body: string, ind: string): string =>
  on ? `${ind}mutex_lock(&m0);\n${body}${ind}mutex_unlock(&m0);\n` : body;

/** The helper of a `publish` operation (and for `callee`, the helper it calls). */
function renderPublish(o: Extract<EscapeOp, { k: 'publish' }>, name: string, i: number): string {
  let s = '';
  const body = o.body.map((b) => renderLeaf(b, '\t')).join('');
  if (o.mode === 'callee') {
    // the helper's own local holds the pointer into the caller's block; set before or after it is published
    s += `static void ${name}_stash(int *lp)\n{\n\tint *box = NULL;\n\tint l = 0;\n`;
    if (!o.late) s += '\tbox = lp;\n';
    s += lock(o.locked, '\tWRITE_ONCE(spp, &box);\n', '\t');
    if (o.late) s += '\tbox = lp;\n';
    s += body;
    if (o.clear) s += lock(o.locked, '\tWRITE_ONCE(spp, NULL);\n', '\t');
    s += '\tWRITE_ONCE(x0, l);\n}\n';
  }
  s += `static void ${name}(void)\n{\n\tint loc = ${i + 1};\n\tint *box = &loc;\n\tint l = 0;\n`;
  switch (o.mode) {
    case 'direct':
      s += lock(o.locked, '\tWRITE_ONCE(sp, &loc);\n', '\t');
      break;
    case 'box':
      s += lock(o.locked, '\tWRITE_ONCE(spp, &box);\n', '\t');
      break;
    case 'callee':
      s += `\t${name}_stash(&loc);\n`;
      break;
    case 'xa':
      s += '\txa_store(&xa0, 1, &loc, GFP_KERNEL);\n';
      break;
    case 'private':
      s += `\tWRITE_ONCE(*box, ${i + 3});\n\tl = READ_ONCE(loc);\n`;
      break;
  }
  if (o.mode !== 'callee') s += body;
  if (o.clear && o.mode === 'direct') s += lock(o.locked, '\tWRITE_ONCE(sp, NULL);\n', '\t');
  if (o.clear && o.mode === 'box') s += lock(o.locked, '\tWRITE_ONCE(spp, NULL);\n', '\t');
  if (o.clear && o.mode === 'xa') s += '\txa_erase(&xa0, 1);\n';
  if (o.keep) s += '\tWRITE_ONCE(x1, loc + l);\n';
  return `${s}}\n`;
}

/** A `use`: read the published pointer, then read or write through it. */
function renderUse(o: Extract<EscapeOp, { k: 'use' }>, i: number): string {
  const access = accessThrough(o.write, o.marked, i + 5);
  let get: string;
  if (o.from === 'sp') get = '\tp = READ_ONCE(sp);\n';
  else if (o.from === 'xa') get = '\tp = xa_load(&xa0, 1);\n';
  else get = '\tp = NULL;\n\tpp = READ_ONCE(spp);\n\tif (pp)\n\t\tp = READ_ONCE(*pp);\n';
  // what the reader saw of x1 before its access, kept only when the access did not end the execution: a final
  // state that orders the access after the owner's last write, which an early return would lose
  return lock(
    o.locked,
    `${get}\tif (p) {\n\t\ts = READ_ONCE(x1);\n\t\t${access}\n\t\tWRITE_ONCE(x0, s + 10);\n\t}\n`,
    '\t',
  );
}

function renderEscape(threads: EscapeOp[][]): string {
  let s =
    'static int x0, x1;\nstatic DEFINE_MUTEX(m0);\nstatic DEFINE_XARRAY(xa0);\nstatic int *sp;\nstatic int **spp;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  threads.forEach((ops, i) => {
    ops.forEach((o, j) => {
      if (o.k === 'publish') s += renderPublish(o, `publish_t${i}_${j}`, i);
    });
  });
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n\tint s;\n\tint *p;\n\tint **pp;\n`;
    ops.forEach((o, j) => {
      if (o.k === 'publish') s += `\tpublish_t${i}_${j}();\n`;
      else if (o.k === 'plain') s += renderLeaf(o.op, '\t');
      else s += renderUse(o, i);
    });
    s += `\tres${i} = l;\n}\n`;
  });
  return s;
}
