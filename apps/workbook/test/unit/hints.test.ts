/**
 * The hint state of an exercise page (src/exercise/hints.ts): how many hints
 * Submits made available and how many were opened, kept in localStorage
 * across reloads, read back sanely whatever storage holds; and the hints'
 * inline Markdown, with every link in an exercise's hints naming a page of
 * the site.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  afterGrade,
  earnsHint,
  inline,
  loadState,
  NO_HINTS,
  parseState,
  plain,
  reveal,
  saveState,
  type Graded,
  type HintState,
} from '../../src/exercise/hints';

const KEY = 'teardown:v1:vdev-lifetime:hints';
const submit = (score: number, maxScore = 18): Graded => ({ mode: 'full', score, maxScore });
const run = (score: number, maxScore = 11): Graded => ({ mode: 'quick', score, maxScore });

/** localStorage as a browser has it, over a Map; `broken` makes every call throw as a disabled one does. */
class FakeStorage {
  readonly map = new Map<string, string>();
  broken = false;
  getItem(k: string): string | null {
    if (this.broken) throw new DOMException('denied', 'SecurityError');
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    if (this.broken) throw new DOMException('full', 'QuotaExceededError');
    this.map.set(k, String(v));
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}

describe('counting', () => {
  it('a Submit short of full marks makes one more hint available; a Run or full marks does not', () => {
    expect(earnsHint(submit(0))).toBe(true);
    expect(earnsHint(submit(17))).toBe(true);
    expect(earnsHint(submit(18))).toBe(false);
    expect(earnsHint(run(0))).toBe(false);
    let s: HintState = { ...NO_HINTS };
    s = afterGrade(s, 6, run(0));
    expect(s).toEqual({ available: 0, shown: 0 });
    s = afterGrade(s, 6, submit(5));
    expect(s).toEqual({ available: 1, shown: 0 });
    s = afterGrade(s, 6, submit(18));
    expect(s).toEqual({ available: 1, shown: 0 });
  });

  it('a Submit that does not compile counts (0 points is not full marks)', () => {
    expect(afterGrade({ available: 2, shown: 2 }, 6, submit(0))).toEqual({ available: 3, shown: 2 });
  });

  it('never makes more available than the exercise has', () => {
    let s: HintState = { ...NO_HINTS };
    for (let i = 0; i < 10; i++) s = afterGrade(s, 4, submit(3));
    expect(s).toEqual({ available: 4, shown: 0 });
    expect(afterGrade(NO_HINTS, 0, submit(0))).toEqual(NO_HINTS);
  });

  it('opens hints one at a time, only those available, and they stay open', () => {
    let s: HintState = { available: 2, shown: 0 };
    s = reveal(s);
    expect(s).toEqual({ available: 2, shown: 1 });
    s = reveal(reveal(reveal(s)));
    expect(s).toEqual({ available: 2, shown: 2 });
    s = afterGrade(s, 6, submit(1));
    expect(s).toEqual({ available: 3, shown: 2 });
  });
});

describe('reading what storage holds', () => {
  it('nothing stored: no hints yet', () => {
    expect(parseState(null, 6)).toEqual(NO_HINTS);
  });

  it.each([
    ['not JSON', '{available: 2'],
    ['an empty string', ''],
    ['a number', '3'],
    ['a string', '"2"'],
    ['null', 'null'],
    ['an array', '[2, 1]'],
    ['counts of the wrong type', '{"available":"2","shown":true}'],
    ['counts that are not finite', '{"available":1e999,"shown":-1e999}'],
  ])('%s reads as no hints', (_what, text) => {
    expect(parseState(text, 6)).toEqual(NO_HINTS);
  });

  it('clamps counts to the exercise and keeps shown within available', () => {
    expect(parseState('{"available":99,"shown":99}', 6)).toEqual({ available: 6, shown: 6 });
    expect(parseState('{"available":-4,"shown":0}', 6)).toEqual({ available: 0, shown: 0 });
    expect(parseState('{"available":2.7,"shown":1.2}', 6)).toEqual({ available: 2, shown: 1 });
    // an opened hint stays open even when the available count was lost
    expect(parseState('{"shown":3}', 6)).toEqual({ available: 3, shown: 3 });
    expect(parseState('{"available":1,"shown":3}', 6)).toEqual({ available: 3, shown: 3 });
    // the exercise now has fewer hints than were made available
    expect(parseState('{"available":6,"shown":5}', 4)).toEqual({ available: 4, shown: 4 });
  });
});

describe('persistence in localStorage', () => {
  let store: FakeStorage;
  beforeEach(() => {
    store = new FakeStorage();
    vi.stubGlobal('localStorage', store);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('survives a reload, under the key next to the autosaved code', () => {
    let s = loadState('vdev-lifetime', 6);
    expect(s).toEqual(NO_HINTS);
    s = afterGrade(s, 6, submit(0));
    expect(saveState('vdev-lifetime', s)).toBe(true);
    expect(JSON.parse(store.map.get(KEY)!)).toEqual({ available: 1, shown: 0 });
    // a reload: a fresh read of the same storage
    s = reveal(loadState('vdev-lifetime', 6));
    saveState('vdev-lifetime', s);
    expect(loadState('vdev-lifetime', 6)).toEqual({ available: 1, shown: 1 });
    // per exercise
    expect(loadState('close-order', 6)).toEqual(NO_HINTS);
    expect([...store.map.keys()]).toEqual([KEY]);
  });

  it('a corrupt value reads as no hints, and the next save replaces it', () => {
    store.map.set(KEY, '{"available":');
    const s = afterGrade(loadState('vdev-lifetime', 6), 6, submit(2));
    expect(s).toEqual({ available: 1, shown: 0 });
    saveState('vdev-lifetime', s);
    expect(loadState('vdev-lifetime', 6)).toEqual({ available: 1, shown: 0 });
  });

  it('storage that throws (disabled, full) reads as no hints and reports a refused save', () => {
    store.map.set(KEY, '{"available":3,"shown":1}');
    store.broken = true;
    expect(loadState('vdev-lifetime', 6)).toEqual(NO_HINTS);
    expect(saveState('vdev-lifetime', { available: 1, shown: 0 })).toBe(false);
  });

  it('no localStorage at all reads as no hints', () => {
    vi.unstubAllGlobals();
    expect('localStorage' in globalThis && globalThis.localStorage).toBeFalsy();
    expect(loadState('vdev-lifetime', 6)).toEqual(NO_HINTS);
    expect(saveState('vdev-lifetime', { available: 1, shown: 0 })).toBe(false);
  });
});

describe('inline Markdown', () => {
  it('splits code, bold and site links; other text stays text', () => {
    expect(inline('Take `igroup->lock` **first**, see [chapter 5](/chapters/05-tombstones/).')).toEqual([
      { kind: 'text', text: 'Take ' },
      { kind: 'code', text: 'igroup->lock' },
      { kind: 'text', text: ' ' },
      { kind: 'strong', text: 'first' },
      { kind: 'text', text: ', see ' },
      { kind: 'link', text: 'chapter 5', href: '/chapters/05-tombstones/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('a link off the site, or a script, is shown as its text only', () => {
    for (const href of ['https://example.com/', '//example.com/x', 'javascript:void0', '/\\evil']) {
      expect(inline(`see [this](${href})`)).toEqual([{ kind: 'text', text: 'see this' }]);
    }
  });

  it('unbalanced markers stay as they are', () => {
    expect(inline('a `b and **c')).toEqual([{ kind: 'text', text: 'a `b and **c' }]);
    expect(plain('`x` and [y](/z/)')).toBe('x and y');
  });
});

describe("the exercises' hints", () => {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const docs = `${root}apps/workbook/src/content/docs`;
  const exercises = readdirSync(`${root}exercises`).filter((d) => existsSync(`${root}exercises/${d}/exercise.json`));

  it.each(exercises)('%s: Markdown that renders, and links to pages of the site', (id) => {
    const { hints = [] } = JSON.parse(readFileSync(`${root}exercises/${id}/exercise.json`, 'utf8')) as {
      hints?: string[];
    };
    for (const h of hints) {
      expect(plain(h), h).not.toMatch(/`|\*\*|\]\(/);
      for (const s of inline(h)) {
        if (s.kind !== 'link') continue;
        const path = s.href.replace(/#.*$/, '').replace(/^\/|\/$/g, '');
        expect(
          ['mdx', 'md'].some((ext) => existsSync(`${docs}/${path || 'index'}.${ext}`)),
          `${s.href} in a hint of ${id}`,
        ).toBe(true);
      }
    }
  });
});
