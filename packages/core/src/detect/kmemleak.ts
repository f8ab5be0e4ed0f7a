/**
 * kmemleak (mm/kmemleak.c): heap objects still allocated after the
 * scenario's final teardown (its `check` function), one finding per
 * allocation site with every object allocated there.
 */
import type { Alloc } from '../state/state.js';
import type { DetectCtx } from './ctx.js';
import { finding, where } from './finding.js';

/** Report every live heap object of the final state, grouped by allocation site. */
export function leakCheck(k: DetectCtx): void {
  const bySite = new Map<string, Alloc[]>();
  for (const a of k.state.heap.values()) {
    if (a.kind !== 'heap' || a.freeSite) continue;
    const at = a.allocSite ? where(a.allocSite.stack) : '?';
    const arr = bySite.get(at) ?? [];
    arr.push(a);
    bySite.set(at, arr);
  }
  for (const [at, allocs] of bySite) {
    const a = allocs[0]!;
    const s = a.allocSite!;
    const title = `kmemleak: unreferenced object ${a.type ? `(struct ${a.type}) ` : ''}of ${a.bytes} bytes allocated in ${s.stack[0]?.fn ?? '?'}`;
    k.report(
      finding(k, 'leak', title, {
        sites: [['kmalloc', s]],
        alloc: s,
        details: [
          `unreferenced object ${k.allocName(a.id)} (size ${a.bytes}):`,
          `  comm "${s.task}"`,
          '  backtrace:',
          ...s.stack.map((f) => `    ${f.fn} (${f.file}:${f.line})`),
          ...(allocs.length > 1 ? [`(${allocs.length} objects allocated here are still live)`] : []),
        ],
        objects: allocs.map((x) => k.snapshot(x.id)!).filter(Boolean),
        key: [at],
      }),
    );
  }
}
