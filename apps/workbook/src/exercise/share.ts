/**
 * Shareable trace links, with no server: the code, the scenario, the
 * schedule token and the step in the URL hash. Version 2 links
 * (`#t=<dict>.<data>`) are raw DEFLATE (fflate) with the exercise's starter
 * and solution as a preset dictionary, which both ends have in the bundle:
 * a learner's code shares most of its text with them, so a link is a few
 * hundred characters instead of a few thousand. `<dict>` names the
 * dictionary (a hash of it), so a link made against another version of the
 * exercise is recognised and refused instead of decoding to garbage.
 * Version 1 links (`#trace=`, lz-string, no step) still open.
 */
import { deflateSync, inflateSync, strFromU8, strToU8 } from 'fflate';
import LZString from 'lz-string';

export interface SharedTrace {
  v: 1 | 2;
  /** Exercise id. */
  ex: string;
  scenario: string;
  /** Schedule token (`a27b69a`). */
  token: string;
  code: string;
  /** The step the sharer was at (0-based; version 2 links). */
  step?: number;
  /** Kernel-style title and kind of the finding. */
  title?: string;
  kind?: string;
}

/** A link that could not be opened, and why (for the page to say). */
export interface BadLink {
  error: string;
}

const V1 = '#trace=';
const V2 = '#t=';

/** A short name for a dictionary: 32 bits of FNV-1a, base 36. */
export function dictId(dict: string): string {
  let x = 0x811c9dc5;
  for (let i = 0; i < dict.length; i++) {
    x ^= dict.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x.toString(36);
}

function toB64url(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The hash part of a link to `t`, compressed against `dict` (the exercise's starter and solution). */
export function traceHash(t: SharedTrace, dict: string): string {
  const body = JSON.stringify({ ex: t.ex, s: t.scenario, t: t.token, c: t.code, at: t.step ?? 0, k: t.kind });
  const data = deflateSync(strToU8(body), { level: 9, dictionary: strToU8(dict) });
  return `${V2}${dictId(dict)}.${toB64url(data)}`;
}

/** A link that reopens `t` at its step. */
export function traceLink(t: SharedTrace, dict: string, base: string = location.origin + location.pathname): string {
  return base + traceHash(t, dict);
}

function valid(t: Partial<SharedTrace> | null): t is SharedTrace {
  return (
    typeof t?.ex === 'string' &&
    typeof t.scenario === 'string' &&
    typeof t.token === 'string' &&
    typeof t.code === 'string' &&
    (t.step === undefined || (Number.isInteger(t.step) && t.step >= 0))
  );
}

/**
 * The shared trace in a location hash: null when the hash is no trace link,
 * a BadLink when it is one that cannot be opened (damaged, or made for
 * another version of the exercise). `dicts`: the dictionary of each exercise
 * this page can open, by id.
 */
export function readTrace(hash: string, dicts: Readonly<Record<string, string>>): SharedTrace | BadLink | null {
  const damaged = { error: 'This trace link is damaged.' };
  if (hash.startsWith(V1)) {
    try {
      const json = LZString.decompressFromEncodedURIComponent(hash.slice(V1.length));
      const t = json ? (JSON.parse(json) as SharedTrace) : null;
      return t?.v === 1 && valid(t) ? t : damaged;
    } catch {
      return damaged;
    }
  }
  if (!hash.startsWith(V2)) return null;
  const [id, data] = hash.slice(V2.length).split('.');
  const ex = Object.keys(dicts).find((k) => dictId(dicts[k]!) === id);
  if (ex === undefined)
    return { error: 'This trace link was made for another version of the exercise: it cannot be opened here.' };
  try {
    const o = JSON.parse(strFromU8(inflateSync(fromB64url(data ?? ''), { dictionary: strToU8(dicts[ex]!) })));
    const t: Partial<SharedTrace> = { v: 2, ex: o.ex, scenario: o.s, token: o.t, code: o.c, step: o.at, kind: o.k };
    return valid(t) && t.ex === ex ? t : damaged;
  } catch {
    return damaged;
  }
}

/**
 * What to tell the reader when a shared trace's replay does not reach the
 * finding its link was made for (`t.kind`, among the kinds of `reached`),
 * or null when it does, or when the link names none (a played
 * interleaving's, kind `play`), or a lock-order finding (the trace replays
 * the last of its executions, and lockdep's cycle may take an edge from an
 * earlier one). A schedule token names one execution only under the
 * checker that printed it: a change to the model or to what the scheduler
 * counts as a step makes an old token replay another execution.
 */
export function unreachedFinding(t: SharedTrace, reached: readonly { kind: string }[]): string | null {
  if (!t.kind || t.kind === 'play' || t.kind === 'lock-order') return null;
  if (reached.some((f) => f.kind === t.kind)) return null;
  return (
    `This interleaving no longer reaches the [${t.kind}] finding the link was shared for: the checker has ` +
    'changed since the link was made. Copy the code into your editor and Submit it to find the finding again.'
  );
}
