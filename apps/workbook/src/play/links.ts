/**
 * A chapter challenge's link to a played interleaving: `#play-<challenge>=<token>`
 * (no code in it: the program is the exercise's). No DOM, for unit tests.
 */

/** The token of a `#play-<id>=<token>` hash for challenge `id`, or null. */
export function playHashToken(hash: string, id: string): string | null {
  const prefix = `#play-${id}`;
  if (hash === prefix) return '';
  if (!hash.startsWith(`${prefix}=`)) return null;
  const token = decodeURIComponent(hash.slice(prefix.length + 1));
  return /^[A-Za-z0-9_.,]*$/.test(token) ? token : null;
}

/** The hash of a link to challenge `id` at `token`. */
export function playHash(id: string, token: string): string {
  return `#play-${id}=${encodeURIComponent(token)}`;
}
