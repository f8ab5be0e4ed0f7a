/**
 * Random programs whose tasks let pointers to their locals out in the ways
 * vm/escape.ts must notice, or keep them in: published directly (`sp`),
 * through a local that holds the pointer (`spp`), as an integer (`gv`),
 * handed to a built-in that keeps it (`xa_store`, `xa_alloc`'s entry),
 * written into a slot on another task's stack, through a called helper's
 * local set before or after the helper publishes it (the pointer into the
 * caller's block is then stored into a block that escaped), or never let
 * out (the address taken, used privately). After that the owner reads and
 * writes the local privately, around calls of helpers whose own addressable
 * locals never escape, and publishes what it read. Other tasks take the
 * pointer and read or write through it, under the mutex or not, before or
 * after the owner's frames return. (Widened after an independent review,
 * which found with it that a return must stay a step while any of its
 * task's live blocks has escaped.)
 */
import fc from 'fast-check';
import { accessThrough } from './genprog.js';

type Mode = 'direct' | 'box' | 'cast' | 'xa' | 'xalloc' | 'slot' | 'callee' | 'private';
type After = 'rd' | 'wr' | 'call' | 'callp' | 'pub' | 'sleep';

export type EscapeOp =
  | { k: 'publish'; mode: Mode; locked: boolean; late: boolean; after: After[]; clear: boolean; deep: boolean }
  | { k: 'use'; from: 'sp' | 'spp' | 'gv' | 'xa' | 'slot'; locked: boolean; write: boolean; marked: boolean }
  | { k: 'plain'; write: boolean };

const op: fc.Arbitrary<EscapeOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('publish' as const),
      mode: fc.constantFrom<Mode>('direct', 'box', 'cast', 'xa', 'xalloc', 'slot', 'callee', 'private'),
      locked: fc.boolean(),
      late: fc.boolean(),
      after: fc.array(fc.constantFrom<After>('rd', 'wr', 'call', 'callp', 'pub', 'sleep'), { maxLength: 4 }),
      clear: fc.boolean(),
      deep: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('use' as const),
      from: fc.constantFrom('sp' as const, 'spp' as const, 'gv' as const, 'xa' as const, 'slot' as const),
      locked: fc.boolean(),
      write: fc.boolean(),
      marked: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('plain' as const), write: fc.boolean() }) },
);

/** Two or three threads of one or two operations each, rendered as kernel-C. */
export const escapeProgramArb: fc.Arbitrary<string> = fc
  .array(fc.array(op, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 })
  .map(render);

const lock = (on: boolean, body: string): string => (on ? `\tmutex_lock(&m0);\n${body}\tmutex_unlock(&m0);\n` : body);

function renderPublish(o: Extract<EscapeOp, { k: 'publish' }>, name: string, i: number, j: number): string {
  let s = '';
  if (o.mode === 'callee')
    // the helper's own local holds the pointer into the caller's block: set before or after it is published
    s += `static void ${name}_stash(int *lp)\n{\n\tint *box = NULL;\n\n${o.late ? '' : '\tbox = lp;\n'}${lock(o.locked, '\tWRITE_ONCE(spp, &box);\n')}${o.late ? '\tbox = lp;\n' : ''}\tmsleep(1);\n${lock(o.locked, '\tWRITE_ONCE(spp, NULL);\n')}}\n`;
  const body = o.deep ? `${name}_body` : name;
  s += `static void ${body}(void)\n{\n\tint loc = ${i + 1};\n\tint *box = &loc;\n\tint l = 0;\n\tu32 id = 0;\n\n`;
  switch (o.mode) {
    case 'direct':
      s += lock(o.locked, '\tWRITE_ONCE(sp, &loc);\n');
      break;
    case 'box':
      s += lock(o.locked, '\tWRITE_ONCE(spp, &box);\n');
      break;
    case 'cast':
      s += lock(o.locked, '\tWRITE_ONCE(gv, (unsigned long)box);\n');
      break;
    case 'xa':
      s += '\txa_store(&xa0, 1, &loc, GFP_KERNEL);\n';
      break;
    case 'xalloc':
      s += '\txa_alloc(&xa0, &id, &loc, xa_limit_32b, GFP_KERNEL);\n\tl = id;\n';
      break;
    case 'slot':
      s += '\t{\n\t\tint **slot = READ_ONCE(slotp);\n\n\t\tif (slot)\n\t\t\tWRITE_ONCE(*slot, &loc);\n\t}\n';
      break;
    case 'callee':
      s += `\t${name}_stash(&loc);\n`;
      break;
    case 'private':
      s += `\tWRITE_ONCE(*box, ${i + 3});\n`;
      break;
  }
  for (const a of o.after) {
    if (a === 'rd') s += '\tl = l * 4 + loc;\n';
    else if (a === 'wr') s += `\tloc = ${10 * (i + 1) + j};\n`;
    else if (a === 'call') s += '\tl = l + priv(l);\n';
    else if (a === 'callp') s += '\tprivp(&loc);\n';
    else if (a === 'pub') s += '\tWRITE_ONCE(x0, l);\n';
    else s += '\tmsleep(1);\n';
  }
  if (o.clear) {
    if (o.mode === 'direct') s += lock(o.locked, '\tWRITE_ONCE(sp, NULL);\n');
    if (o.mode === 'box') s += lock(o.locked, '\tWRITE_ONCE(spp, NULL);\n');
    if (o.mode === 'cast') s += lock(o.locked, '\tWRITE_ONCE(gv, 0);\n');
    if (o.mode === 'xa' || o.mode === 'xalloc') s += `\txa_erase(&xa0, ${o.mode === 'xa' ? 1 : 'id'});\n`;
  }
  s += '\tWRITE_ONCE(x1, l * 4 + loc);\n}\n';
  // deep: the local lives in a callee of the published frame's caller, which has a private local of its own
  if (o.deep) s += `static void ${name}(void)\n{\n\tint c = 0;\n\tint *q = &c;\n\n\t${body}();\n\t*q = 1;\n}\n`;
  return s;
}

function renderUse(o: Extract<EscapeOp, { k: 'use' }>, i: number): string {
  const access = accessThrough(o.write, o.marked, i + 5);
  let get: string;
  if (o.from === 'sp') get = '\tp = READ_ONCE(sp);\n';
  else if (o.from === 'gv') get = '\tp = (int *)READ_ONCE(gv);\n';
  else if (o.from === 'xa') get = '\tp = xa_load(&xa0, 1);\n\tif (!p)\n\t\tp = xa_load(&xa0, 0);\n';
  else if (o.from === 'slot')
    get = '\tWRITE_ONCE(slotp, &slot);\n\tmsleep(1);\n\tp = READ_ONCE(slot);\n\tWRITE_ONCE(slotp, NULL);\n';
  else get = '\tp = NULL;\n\tpp = READ_ONCE(spp);\n\tif (pp)\n\t\tp = READ_ONCE(*pp);\n';
  return lock(o.locked, `${get}\tif (p) {\n\t\ts = READ_ONCE(x1);\n\t\t${access}\n\t\tWRITE_ONCE(x0, s + 10);\n\t}\n`);
}

function render(threads: EscapeOp[][]): string {
  let s =
    'static int x0, x1;\nstatic DEFINE_MUTEX(m0);\nstatic DEFINE_XARRAY_ALLOC(xa0);\nstatic int *sp;\nstatic int **spp;\nstatic unsigned long gv;\nstatic int ***slotp;\n';
  threads.forEach((_, i) => {
    s += `static int res${i};\n`;
  });
  s += 'static int priv(int v)\n{\n\tint b = v;\n\tint *q = &b;\n\n\t*q = *q + 1;\n\treturn b;\n}\n';
  s += 'static void privp(int *lp)\n{\n\tint c = 0;\n\tint *q = &c;\n\n\t*q = *lp;\n\t*lp = *q + 1;\n}\n';
  threads.forEach((ops, i) => {
    ops.forEach((o, j) => {
      if (o.k === 'publish') s += renderPublish(o, `publish_t${i}_${j}`, i, j);
    });
  });
  threads.forEach((ops, i) => {
    s += `void thread_t${i}(void)\n{\n\tint l = 0;\n\tint s;\n\tint *p;\n\tint **pp;\n\tint *slot = NULL;\n\n`;
    ops.forEach((o, j) => {
      if (o.k === 'publish') s += `\tpublish_t${i}_${j}();\n`;
      else if (o.k === 'plain') s += o.write ? `\tWRITE_ONCE(x0, ${i + 20});\n` : '\tl = READ_ONCE(x0);\n';
      else s += renderUse(o, i);
    });
    s += `\tres${i} = l;\n}\n`;
  });
  return s;
}
