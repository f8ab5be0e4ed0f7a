/**
 * Shareable trace links: the code, the scenario and the schedule token in
 * the URL hash (lz-string, as the TypeScript playground does), so a link
 * reopens the same interleaving with no server.
 */
import LZString from 'lz-string';

export interface SharedTrace {
  v: 1;
  /** Exercise id. */
  ex: string;
  scenario: string;
  /** Schedule token (`a27b69a`). */
  token: string;
  code: string;
  /** Kernel-style title and kind of the finding. */
  title?: string;
  kind?: string;
}

const PREFIX = '#trace=';

export function traceLink(t: SharedTrace, base: string = location.origin + location.pathname): string {
  return base + PREFIX + LZString.compressToEncodedURIComponent(JSON.stringify(t));
}

/** The shared trace in a location hash, or null (also for a damaged link). */
export function readTrace(hash: string): SharedTrace | null {
  if (!hash.startsWith(PREFIX)) return null;
  try {
    const json = LZString.decompressFromEncodedURIComponent(hash.slice(PREFIX.length));
    const t = json ? (JSON.parse(json) as SharedTrace) : null;
    if (
      t?.v !== 1 ||
      typeof t.ex !== 'string' ||
      typeof t.scenario !== 'string' ||
      typeof t.token !== 'string' ||
      typeof t.code !== 'string'
    )
      return null;
    return t;
  } catch {
    return null;
  }
}
