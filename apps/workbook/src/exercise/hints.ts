/**
 * Hint state of an exercise page, without the DOM (hint-panel.ts draws it).
 *
 * The hints are the exercise's own (`hints` in exercise.json, gentlest
 * first). Each Submit that does not earn full marks makes one more
 * available; the learner opens them one at a time, and opened hints stay
 * open. Both counts are kept per exercise in localStorage next to the
 * autosaved code (storage.ts, slot "hints"), as `{"available":n,"shown":m}`.
 * Whatever is stored there (nothing, a corrupt value, counts from an older
 * version of the exercise with more hints) reads as a valid state.
 */
import * as storage from './storage';

export interface HintState {
  /** Hints made available by Submits that did not earn full marks: 0..total. */
  available: number;
  /** Hints the learner opened: 0..available. */
  shown: number;
}

/** As much of a grade report as the hints look at. */
export interface Graded {
  mode: 'quick' | 'full';
  score: number;
  maxScore: number;
}

export const NO_HINTS: Readonly<HintState> = Object.freeze({ available: 0, shown: 0 });

const count = (v: unknown, max: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(0, Math.floor(v))) : 0;

/** The state stored as `text`, made valid for an exercise with `total` hints; NO_HINTS when unreadable. */
export function parseState(text: string | null, total: number): HintState {
  if (text === null) return { ...NO_HINTS };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ...NO_HINTS };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ...NO_HINTS };
  const r = raw as Record<string, unknown>;
  const shown = count(r.shown, total);
  // a hint that was opened stays open, even if the count of available ones was lost
  return { available: Math.max(count(r.available, total), shown), shown };
}

export function serialise(s: HintState): string {
  return JSON.stringify({ available: s.available, shown: s.shown });
}

export function loadState(id: string, total: number): HintState {
  return parseState(storage.load(id, 'hints'), total);
}

/** Returns false when the browser refused to store it (the state still holds for this page). */
export function saveState(id: string, s: HintState): boolean {
  return storage.save(id, serialise(s), 'hints');
}

/** Did this grading earn one more hint? A Submit (not a Run) short of full marks, compile errors included. */
export function earnsHint(r: Graded): boolean {
  return r.mode === 'full' && r.score < r.maxScore;
}

/** The state after a grading: one more hint available when it earned one and one is left. */
export function afterGrade(s: HintState, total: number, r: Graded): HintState {
  if (!earnsHint(r) || s.available >= total) return s;
  return { ...s, available: s.available + 1 };
}

/** The state after the learner opened the next available hint (unchanged when none is waiting). */
export function reveal(s: HintState): HintState {
  return s.shown < s.available ? { ...s, shown: s.shown + 1 } : s;
}

/** A run of a hint's text: inline Markdown is all a hint may use. */
export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; text: string }
  | { kind: 'link'; text: string; href: string };

const INLINE = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Links a hint may carry: pages of this site (`/chapters/...`) and fragments of this page. */
export const isSiteLink = (href: string): boolean => /^\/(?![/\\])/.test(href) || href.startsWith('#');

/** Split a hint into runs: `code`, **bold**, [text](/site/path/); a link elsewhere stays plain text. */
export function inline(text: string): Segment[] {
  const out: Segment[] = [];
  const push = (s: Segment) => {
    const last = out[out.length - 1];
    if (s.kind === 'text' && last?.kind === 'text') last.text += s.text;
    else if (s.text) out.push(s);
  };
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    push({ kind: 'text', text: text.slice(at, m.index) });
    if (m[1] !== undefined) push({ kind: 'code', text: m[1] });
    else if (m[2] !== undefined) push({ kind: 'strong', text: m[2] });
    else if (isSiteLink(m[4]!)) push({ kind: 'link', text: m[3]!, href: m[4]! });
    else push({ kind: 'text', text: m[3]! });
    at = m.index + m[0].length;
  }
  push({ kind: 'text', text: text.slice(at) });
  return out;
}

/** A hint as plain text (what a screen reader or a test reads). */
export const plain = (text: string): string =>
  inline(text)
    .map((s) => s.text)
    .join('');
