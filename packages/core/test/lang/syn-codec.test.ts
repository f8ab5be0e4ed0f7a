/** The parse cache's encoding gives back exactly the tree tree-sitter's parse gives. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseC } from '../../src/lang/parser.js';
import { prepass } from '../../src/lang/prepass.js';
import { type StoredParse, decodeSyn, encodeSyn } from '../../src/lang/syn-codec.js';
import { clearParseCache, parseCached, setSyntaxStore, treeProblems } from '../../src/lang/parse-files.js';
import type { Syn } from '../../src/lang/syntax.js';
import { codeFingerprint, fileSyntaxStore } from '../../src/node.js';
import { useParser } from '../helpers.js';

useParser();

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The model's and the exercises' C files. */
function cFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['packages/core/model', 'exercises']) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
      if (/\.[ch]$/.test(f)) out.push(join(ROOT, dir, f));
    }
  }
  return out;
}

/** A store entry for a tree parsed from `text` (no pre-pass: the text is its own pre-passed text). */
const stored = (tree: Syn, text: string): StoredParse => ({
  syn: encodeSyn(tree),
  ppText: text,
  loops: [[3, 'xa_for_each', 3]],
  clean: true,
});

describe('syntax cache encoding', () => {
  it('round-trips every model and exercise file to an equal tree', async () => {
    const files = cFiles();
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const pp = prepass(readFileSync(f, 'utf8')).text;
      const tree = await parseC(pp);
      expect(decodeSyn(encodeSyn(tree), pp), f).toStrictEqual(tree);
    }
  });

  it('round-trips arbitrary (often broken) C: error and missing nodes too', async () => {
    const piece = fc.constantFrom(
      'int x;',
      'struct s { int a; char *b; };',
      'void f(void) { if (x) { g("s\\n", \'c\'); } }',
      '#define M(a) ((a) + 1)\n',
      '{',
      '}',
      ')',
      'for (;;) x++;',
      'x = y->z[3];',
      '/* c */',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (ps) => {
        const pp = prepass(ps.join('\n')).text;
        const tree = await parseC(pp);
        expect(decodeSyn(encodeSyn(tree), pp)).toStrictEqual(tree);
      }),
      { numRuns: 60 },
    );
  });

  it('stores entries as files and misses on a damaged one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-syn-'));
    try {
      const store = fileSyntaxStore(dir, 'fingerprint');
      const text = 'int main(void) { return 0; }\n';
      expect(store.get(text)).toBeUndefined();
      const tree = await parseC(text);
      store.set(text, stored(tree, text));
      const hit = store.get(text);
      expect(hit).toBeDefined();
      expect(hit!.ppText).toBe(text);
      expect(hit!.loops).toEqual([[3, 'xa_for_each', 3]]);
      expect(decodeSyn(hit!.syn, text)).toStrictEqual(tree);
      expect(store.get(`${text} `)).toBeUndefined();
      for (const f of readdirSync(dir)) rmSync(join(dir, f));
      expect(store.get(text)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keys entries by the text and the fingerprint of the code: a change of either is a miss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-syn-'));
    try {
      const texts = ['int x;\n', 'int y;\n', 'int x; \n'];
      const entries = await Promise.all(texts.map(async (t) => stored(await parseC(t), t)));
      await fc.assert(
        fc.property(
          fc.nat(2),
          fc.nat(2),
          fc.constantFrom('a', 'b', 'c'),
          fc.constantFrom('a', 'b', 'c'),
          (i, j, f, g) => {
            rmSync(dir, { recursive: true, force: true });
            fileSyntaxStore(dir, f).set(texts[i]!, entries[i]!);
            const hit = fileSyntaxStore(dir, g).get(texts[j]!);
            if (i === j && f === g) expect(hit?.ppText).toBe(texts[i]);
            else expect(hit).toBeUndefined();
          },
        ),
        { numRuns: 40 },
      );
      // the default fingerprint covers the front end's code and the codec version
      expect(codeFingerprint()).toMatch(/^[0-9a-f]{64}$/);
      expect(codeFingerprint()).toBe(codeFingerprint());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores a corrupt entry (any byte changed, cut short, or junk) instead of failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-syn-'));
    try {
      const store = fileSyntaxStore(dir, 'fingerprint');
      const text = 'struct s { int a; };\nvoid f(struct s *p) { p->a = 1; }\n';
      store.set(text, stored(await parseC(text), text));
      const [file] = readdirSync(dir);
      const good = readFileSync(join(dir, file!));
      expect(store.get(text)).toBeDefined();
      await fc.assert(
        fc.property(
          fc.oneof(
            fc.record({ at: fc.nat(good.length - 1), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => {
              const b = Buffer.from(good);
              b[at]! ^= xor;
              return b;
            }),
            fc.nat(good.length - 1).map((n) => good.subarray(0, n)),
            fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
          ),
          (bytes) => {
            writeFileSync(join(dir, file!), bytes);
            expect(store.get(text)).toBeUndefined();
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parseCached: a stored parse equals a fresh one; a damaged entry is parsed again and replaced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-syn-'));
    const src = (body: string) =>
      `/* ${'-'.repeat(600)} */\nstruct xarray xa;\nvoid f(void) {\n\tunsigned long i; void *e;\n\txa_for_each(&xa, i, e) {\n\t\t${body}\n\t}\n}\n`;
    try {
      setSyntaxStore(fileSyntaxStore(dir, 'fingerprint'));
      // a clean file, one with a syntax error, one over the nesting limit
      for (const body of ['e = 0;', 'e = (;', `e = ${'('.repeat(300)}1${')'.repeat(300)};`]) {
        const text = src(body);
        clearParseCache();
        const fresh = await parseCached(text, false); // tree-sitter, not stored
        clearParseCache();
        expect(readdirSync(dir)).toEqual([]);
        const first = await parseCached(text); // a miss: parsed and stored
        expect(readdirSync(dir).length).toBe(1);
        clearParseCache();
        const hit = await parseCached(text); // a hit: decoded from the store
        for (const p of [first, hit]) {
          expect(p.root).toStrictEqual(fresh.root);
          expect(p.ppText).toBe(fresh.ppText);
          expect(p.loops).toEqual(fresh.loops);
          expect(treeProblems(p)).toEqual(treeProblems(fresh));
        }
        expect(fresh.loops.size).toBe(1);
        rmSync(join(dir, readdirSync(dir)[0]!));
      }
      // a damaged entry: the next parse of its text is tree-sitter's, and the entry is rewritten
      const text = src('e = 0;');
      clearParseCache();
      const fresh = await parseCached(text);
      const [file] = readdirSync(dir);
      writeFileSync(join(dir, file!), 'junk');
      clearParseCache();
      const again = await parseCached(text);
      expect(again.root).toStrictEqual(fresh.root);
      expect(readFileSync(join(dir, file!), 'utf8')).not.toBe('junk');
      expect(fileSyntaxStore(dir, 'fingerprint').get(text)).toBeDefined();
    } finally {
      setSyntaxStore(undefined);
      clearParseCache();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an entry of another version', async () => {
    const tree = await parseC('int x;');
    expect(() => decodeSyn({ ...encodeSyn(tree), version: 'syn-0' }, 'int x;')).toThrow(/version/);
  });
});
