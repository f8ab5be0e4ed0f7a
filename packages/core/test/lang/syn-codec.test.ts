/** The parse cache's encoding gives back exactly the tree tree-sitter's parse gives. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseC } from '../../src/lang/parser.js';
import { prepass } from '../../src/lang/prepass.js';
import { decodeSyn, encodeSyn } from '../../src/lang/syn-codec.js';
import { fileSyntaxStore } from '../../src/node.js';
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
      const store = fileSyntaxStore(dir);
      const text = 'int main(void) { return 0; }\n';
      expect(store.get(text)).toBeUndefined();
      const tree = await parseC(text);
      store.set(text, encodeSyn(tree));
      const hit = store.get(text);
      expect(hit).toBeDefined();
      expect(decodeSyn(hit!, text)).toStrictEqual(tree);
      expect(store.get(`${text} `)).toBeUndefined();
      for (const f of readdirSync(dir)) rmSync(join(dir, f));
      expect(store.get(text)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an entry of another version', async () => {
    const tree = await parseC('int x;');
    expect(() => decodeSyn({ ...encodeSyn(tree), version: 'syn-0' }, 'int x;')).toThrow(/version/);
  });
});
