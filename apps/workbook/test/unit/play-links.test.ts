/**
 * Links to played interleavings: a chapter challenge's `#play-<id>=<token>`
 * round-trips any token and refuses what is not one; the exercise page's is a
 * share link (share.ts) of kind `play` that carries code, scenario and token.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { playHash, playHashToken } from '../../src/play/links';
import { readTrace, traceHash } from '../../src/exercise/share';

const token = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 120 })), { maxLength: 12 })
  .map((runs) => runs.map(([t, n]) => (t < 26 ? String.fromCharCode(97 + t) : `_${t}_`) + (n > 1 ? n : '')).join(''));

describe('challenge play links', () => {
  it('round-trip every token, with or without a fault plan', () => {
    fc.assert(
      fc.property(token, fc.boolean(), (t, faults) => {
        const tok = faults ? `Fa1.${t}` : t;
        expect(playHashToken(playHash('v2-uaf', tok), 'v2-uaf')).toBe(tok);
      }),
    );
  });

  it('belong to one challenge, and refuse what is not a token', () => {
    expect(playHashToken('#play-v2-uaf=a18b59', 'missing-lock-race')).toBeNull();
    expect(playHashToken('#play-v2-uaf', 'v2-uaf')).toBe('');
    expect(playHashToken('#play-v2-uaf=a1%3Cscript%3E', 'v2-uaf')).toBeNull();
    expect(playHashToken('#t=abc', 'v2-uaf')).toBeNull();
  });
});

describe("the exercise page's play link", () => {
  it('is a share link of kind play with the code, scenario and token', () => {
    const dict = 'int starter;\nint solution;\n';
    const hash = traceHash(
      { v: 2, ex: 'vdev-lifetime', scenario: 'destroy-races-unbind', token: 'b41a3', code: 'int x;\n', kind: 'play' },
      dict,
    );
    const t = readTrace(hash, { 'vdev-lifetime': dict });
    expect(t).toMatchObject({ kind: 'play', scenario: 'destroy-races-unbind', token: 'b41a3', code: 'int x;\n' });
  });
});
