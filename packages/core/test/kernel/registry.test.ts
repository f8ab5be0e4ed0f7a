/** The primitive registry: what each primitive declares is complete and consistent. */
import { describe, expect, it } from 'vitest';
import { KERNEL_DECLS, PRIMITIVES, STATE_BY_CTYPE } from '../../src/kernel/registry.js';
import { isInternalBuiltin, primSize } from '../../src/lang/kernel-api.js';

describe('kernel/registry.ts', () => {
  it('every built-in has a signature and every signature a built-in, in the same primitive', () => {
    for (const p of PRIMITIVES) expect(Object.keys(p.sigs).sort(), p.name).toEqual(Object.keys(p.builtins).sort());
  });

  it('no built-in is declared by two primitives', () => {
    const seen = new Map<string, string>();
    for (const p of PRIMITIVES) {
      for (const name of Object.keys(p.builtins)) {
        expect(seen.get(name), `${name} in ${p.name}`).toBeUndefined();
        seen.set(name, p.name);
      }
    }
    expect(KERNEL_DECLS.builtins.size).toBe(seen.size);
  });

  it('a DEFINE_* macro belongs to a primitive with a C type and a state to start', () => {
    for (const p of PRIMITIVES) {
      if (!p.defines) continue;
      expect(p.ctype, p.name).toBeDefined();
      expect(STATE_BY_CTYPE.get(p.ctype!), p.name).toBeDefined();
      expect(primSize(p.ctype!), p.name).toBeGreaterThan(0);
    }
    expect(KERNEL_DECLS.defines.get('DEFINE_XARRAY_ALLOC1')).toEqual({ prim: 'xarray', flags: 3 });
  });

  it('the internal built-ins lowering emits are implemented', () => {
    for (const name of [
      '__wait_prepare',
      '__wait_schedule',
      '__wait_finish',
      '__warn',
      '__xa_find',
      '__container_of',
    ]) {
      expect(isInternalBuiltin(name)).toBe(true);
      expect(KERNEL_DECLS.builtins.has(name), name).toBe(true);
    }
  });

  it('names inherited from Object are not built-ins', () => {
    expect(KERNEL_DECLS.builtins.has('toString')).toBe(false);
    expect(KERNEL_DECLS.builtins.has('constructor')).toBe(false);
  });
});
