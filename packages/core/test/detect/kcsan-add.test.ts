import { describe, expect, it } from 'vitest';
import { Kcsan } from '../../src/detect/kcsan.js';
import { ctx, digest, site } from './kcsan-helpers.js';

/**
 * Atomic additions (atomic_inc, ...) commute, so the scheduler runs one
 * order of two of them: KCSAN's verdicts and digest must not depend on it.
 */
describe('KCSAN: atomic additions', () => {
  it('are kept beside the last write: a later plain access races with each, in either order', () => {
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      // three scenario threads and the setup/check task
      const k = new Kcsan(4, new Set());
      for (const t of order) expect(k.add(t, 'x', site(t, 10 + t), 'atomic_inc(&x)', 1, ctx)).toBeUndefined();
      const found = k.access(2, 'x', false, false, site(2, 20), 'x', 2, ctx) ?? [];
      expect(found.map((f) => f.key).sort()).toEqual(['data-race:p.c:10:1|p.c:20:1', 'data-race:p.c:11:1|p.c:20:1']);
    }
  });

  it('two orders of additions leave the same digest; a marked read after them races with neither', () => {
    const a = new Kcsan(4, new Set());
    const b = new Kcsan(4, new Set());
    a.add(0, 'x', site(0, 10), 'atomic_inc(&x)', 1, ctx);
    a.add(1, 'x', site(1, 11), 'atomic_inc(&x)', 2, ctx);
    b.add(1, 'x', site(1, 11), 'atomic_inc(&x)', 1, ctx);
    b.add(0, 'x', site(0, 10), 'atomic_inc(&x)', 2, ctx);
    expect(digest(a)).toEqual(digest(b));
    // the additions are in the digest: one fewer is another state
    const c = new Kcsan(4, new Set());
    c.add(0, 'x', site(0, 10), 'atomic_inc(&x)', 1, ctx);
    expect(digest(c)).not.toEqual(digest(a));
    expect(a.access(2, 'x', false, true, site(2, 20), 'atomic_read(&x)', 2, ctx)).toBeUndefined();
  });

  it('an addition races with unordered plain reads and writes before it', () => {
    const k = new Kcsan(4, new Set());
    k.access(0, 'x', false, false, site(0, 10), 'x', 0, ctx);
    const found = k.add(1, 'x', site(1, 11), 'atomic_inc(&x)', 1, ctx) ?? [];
    expect(found.map((f) => f.key)).toEqual(['data-race:p.c:10:1|p.c:11:1']);
  });
});
