/**
 * Share links (src/exercise/share.ts): version 2 links round-trip the code,
 * scenario, token and step, are short because the exercise's starter and
 * solution are their dictionary, and are refused, not misread, under another
 * dictionary; version 1 links still open.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import LZString from 'lz-string';
import { readTrace, traceHash, unreachedFinding, type SharedTrace } from '../../src/exercise/share';

const dir = new URL('../../../../exercises/vdev-lifetime/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), 'utf8');
const dict = read('starter.c') + read('solution.c');
const code = read('known-bad/put-before-unlock.c');
const t: SharedTrace = {
  v: 2,
  ex: 'vdev-lifetime',
  scenario: 'destroy-races-unbind',
  token: 'a36b49a7b',
  code,
  step: 87,
  kind: 'use-after-free',
};

describe('share links', () => {
  it('round-trip, at the step, in well under a third of the old length', () => {
    const hash = traceHash(t, dict);
    expect(readTrace(hash, { 'vdev-lifetime': dict })).toEqual({ ...t, title: undefined });
    const old = LZString.compressToEncodedURIComponent(JSON.stringify({ ...t, v: 1 }));
    expect(hash.length).toBeLessThan(800);
    expect(hash.length).toBeLessThan(old.length / 3);
    expect(hash).toMatch(/^#t=[0-9a-z]+\.[\w-]+$/);
  });

  it('refuses a link made against another version of the exercise, and a damaged one', () => {
    const hash = traceHash(t, dict);
    expect(readTrace(hash, { 'vdev-lifetime': `${dict}\n` })).toMatchObject({
      error: expect.stringMatching(/another version/),
    });
    expect(readTrace(`${hash.slice(0, -12)}AAAA`, { 'vdev-lifetime': dict })).toMatchObject({
      error: expect.stringMatching(/damaged/),
    });
    expect(readTrace('#other', { 'vdev-lifetime': dict })).toBeNull();
  });

  it('still opens version 1 links', () => {
    const v1 = { v: 1, ex: t.ex, scenario: t.scenario, token: t.token, code, title: 'BUG: KASAN', kind: t.kind };
    const hash = `#trace=${LZString.compressToEncodedURIComponent(JSON.stringify(v1))}`;
    expect(readTrace(hash, {})).toEqual(v1);
  });

  it("says when a link's replay does not reach the kind of finding it was shared for", () => {
    const uaf = { kind: 'use-after-free' };
    expect(unreachedFinding(t, [uaf])).toBeNull();
    expect(unreachedFinding(t, [{ kind: 'stall' }, uaf])).toBeNull();
    expect(unreachedFinding(t, [])).toMatch(/no longer reaches the \[use-after-free\] finding/);
    expect(unreachedFinding(t, [{ kind: 'stall' }])).toMatch(/the checker has changed since the link was made/);
    // a played interleaving's link, and a version 1 link without a kind, name no finding to reach
    expect(unreachedFinding({ ...t, kind: 'play' }, [])).toBeNull();
    expect(unreachedFinding({ ...t, kind: undefined }, [])).toBeNull();
    // nor a lock-order finding's: the trace replays the last of its executions, which may not close the cycle alone
    expect(unreachedFinding({ ...t, kind: 'lock-order' }, [])).toBeNull();
  });
});
