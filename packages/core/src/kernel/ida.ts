/**
 * IDA (lib/idr.c): allocate the smallest free ID. Used by the VFIO model for
 * device indexes. It locks internally; the whole IDA is one location.
 */
import type { BuiltinTable, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { INT, VOID } from '../lang/ctype.js';
import type { PrimState } from '../state/prim.js';
import { finding, where } from '../detect/finding.js';

const ENOSPC = 28;

export interface IdaState extends PrimState {
  readonly p: 'ida';
  readonly used: readonly number[];
}

const IDA: BuiltinTable = {
  ida_init: {
    kind: 'pure',
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'ida_init');
      m.setPrim(r.alloc, r.off, { p: 'ida', used: [] });
      return 0;
    },
  },
  ida_destroy: {
    kind: 'pure',
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'ida_destroy');
      m.setPrim(r.alloc, r.off, { p: 'ida', used: [] });
      return 0;
    },
  },
  ida_alloc: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'ida_alloc');
      const s = m.getPrim<IdaState>(r.alloc, r.off) ?? { p: 'ida' as const, used: [] };
      let id = 0;
      while (s.used.includes(id)) id++;
      m.setPrim(r.alloc, r.off, { p: 'ida', used: [...s.used, id] });
      return id;
    },
  },
  ida_alloc_max: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'ida_alloc_max');
      const s = m.getPrim<IdaState>(r.alloc, r.off) ?? { p: 'ida' as const, used: [] };
      const max = typeof a[1] === 'number' ? a[1] : 0x7fffffff;
      let id = 0;
      while (s.used.includes(id)) id++;
      if (id > max) return -ENOSPC;
      m.setPrim(r.alloc, r.off, { p: 'ida', used: [...s.used, id] });
      return id;
    },
  },
  ida_free: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a) {
      const r = m.resolve(t, a[0]!, 'ida_free');
      const s = m.getPrim<IdaState>(r.alloc, r.off) ?? { p: 'ida' as const, used: [] };
      const id = a[1] as number;
      if (!s.used.includes(id)) {
        const site = m.site(t);
        m.report(
          finding(m, 'warn', `WARNING: ida_free called for id=${id} which is not allocated.`, {
            sites: [['ida_free', site]],
            details: [`at ${where(site.stack)}`],
            key: ['ida_free', where(site.stack)],
          }),
        );
        return 0;
      }
      m.setPrim(r.alloc, r.off, { p: 'ida', used: s.used.filter((x) => x !== id) });
      return 0;
    },
  },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  ida_init: sig(1, 1, VOID),
  ida_alloc: sig(2, 2, INT),
  ida_alloc_max: sig(3, 3, INT),
  ida_free: sig(2, 2, VOID),
  ida_destroy: sig(1, 1, VOID),
};

/** struct ida. */
export const ida: Primitive = {
  name: 'ida',
  builtins: IDA,
  sigs: SIGS,
  defines: { DEFINE_IDA: 0 },
  ctype: 'ida',
  state: { tag: 'ida', init: (): IdaState => ({ p: 'ida', used: [] }) },
};
