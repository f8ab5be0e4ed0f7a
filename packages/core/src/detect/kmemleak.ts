/**
 * kmemleak (mm/kmemleak.c): heap objects still allocated after the
 * scenario's final teardown (its `check` function), one finding per
 * allocation site with every object allocated there; and the xa_nodes of
 * an xarray whose containing object was freed while it still held entries
 * (tombstones included) at an index above 0, which lib/xarray.c keeps in
 * nodes that only xa_destroy() or erasing frees.
 */
import type { Alloc } from '../state/state.js';
import { isPrim } from '../state/prim.js';
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
  xaNodeLeaks(k);
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

/**
 * Freed heap objects with an embedded xarray still holding an entry at an
 * index above 0: its xa_nodes are unreachable (the model has no nodes; the
 * entries stand for them). One finding per free site. Index 0 alone lives in
 * xa_head, without a node, as upstream.
 */
function xaNodeLeaks(k: DetectCtx): void {
  const seen = new Set<string>();
  for (const a of k.state.heap.values()) {
    if (a.kind !== 'heap' || !a.freeSite) continue;
    for (const v of a.fields.values()) {
      if (!isPrim(v) || v.p !== 'xa') continue;
      const entries = (v as unknown as { entries: readonly (readonly [number, unknown])[] }).entries;
      if (!entries.some(([i]) => i > 0)) continue;
      const s = a.freeSite;
      const at = where(s.stack);
      if (seen.has(at)) continue;
      seen.add(at);
      const title = `kmemleak: unreferenced object (struct xa_node) of an xarray freed with ${entries.length} entries in ${s.stack[0]?.fn ?? '?'}`;
      k.report(
        finding(k, 'leak', title, {
          sites: [['kfree', s]],
          details: [
            `${k.allocName(a.id)} was freed while an xarray in it still held entries (reserved IDs and tombstones count);`,
            'its xa_nodes are unreachable: xa_destroy() (or erasing every entry) must come before the free.',
            '  backtrace of the free:',
            ...s.stack.map((f) => `    ${f.fn} (${f.file}:${f.line})`),
          ],
          key: ['xa_node', at],
        }),
      );
    }
  }
}
