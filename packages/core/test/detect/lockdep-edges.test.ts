/**
 * LockdepGraph's hand-over to another thread (sched/split.ts): `edges(k)` is
 * the edges added after the first k, in the order they were added, whatever
 * classes they leave from; `seed` and `add` rebuild a graph that adds the same.
 */
import { describe, expect, it } from 'vitest';
import { type Edge, LockdepGraph } from '../../src/detect/lockdep.js';

const site = { task: 't', tid: 0, step: 0, stack: [] };
const edge = (from: string, to: string): Edge => ({
  from,
  to,
  fromName: from,
  toName: to,
  heldSite: site,
  acqSite: site,
  schedule: [],
});
const names = (es: Edge[]) => es.map((e) => `${e.from}->${e.to}`);

describe('LockdepGraph.edges', () => {
  it('the edges after the first k are the last added, even from a class listed earlier', () => {
    // found by an independent review: the graph listed its edges grouped by the class they leave from, so A->E,
    // added last, came before C->D
    const g = new LockdepGraph();
    g.add([edge('A', 'B'), edge('C', 'D')], []);
    g.add([edge('A', 'E')], []);
    expect(names(g.edges(2))).toEqual(['A->E']);
    expect(names(g.edges())).toEqual(['A->B', 'C->D', 'A->E']);
  });

  it('a seeded copy holds the same edges in the same order, and ignores an edge it has', () => {
    const g = new LockdepGraph();
    g.add([edge('A', 'B'), edge('C', 'D'), edge('A', 'E')], ['x']);
    const h = new LockdepGraph();
    h.seed(g.edges(), g.reportedCycles());
    h.add([edge('C', 'D'), edge('B', 'C')], []);
    expect(names(h.edges())).toEqual(['A->B', 'C->D', 'A->E', 'B->C']);
    expect(h.edges(3).length).toBe(1);
    expect(h.reportedCycles()).toEqual(['x']);
    expect(h.size).toBe(4);
  });
});
