/**
 * What a DPOR exploration hands to another explorer when it is split
 * (./split.ts, ./dpor.ts): a unit (a subtree), the reversals the unit finds
 * at nodes it does not own, and the path a unit stopped at.
 */
import type { Event } from './events.js';
import type { WNode } from './wakeup-tree.js';

/**
 * A subtree of the exploration for another explorer (./split.ts): the
 * wakeup-tree child `branch` (with what hangs below it, plain data) of the
 * node E at depth `depth`, reached by the schedule `prefix`; `sleep` is
 * sleep(E) when the child is taken (E's sleep set and the children explored
 * before it).
 */
export interface DporUnit {
  depth: number;
  prefix: number[];
  branch: WNode;
  sleep: [number, Event][];
}

/** The path of a unit below its node (./split.ts): each node's wakeup tree and sleep set, and where the next execution diverges. */
export interface ExportedPath {
  fresh: number;
  nodes: { wut: WNode[]; sleep: [number, Event][] }[];
}

/** The reversal v = notdep(e, E).e' of a race whose earlier event is at `depth`, at or above a unit's node. */
export interface ForeignReversal {
  depth: number;
  v: Event[];
}

/**
 * A deep copy of a wakeup-tree node and its children (pending chains and
 * events are never written: shared), a guessed event still one; with no
 * insertion count (counted by the exploration the copy goes to).
 */
export function copyBranch(w: WNode): WNode {
  return {
    tid: w.tid,
    ev: w.ev,
    children: w.children.map(copyBranch),
    tail: w.tail,
    at: w.at,
    rev: 0,
    guess: w.guess === true,
  };
}
