/** Node entry: initialise the parser from the installed wasm files, with a persistent cache of parses. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParser } from './lang/parser.js';
import { setSyntaxStore } from './lang/parse-files.js';
import { type EncodedSyn, SYN_CODEC_VERSION, type StoredParse, type SyntaxStore } from './lang/syn-codec.js';

const require = createRequire(import.meta.url);

/**
 * The folder of the parse cache: `$TEARDOWN_CACHE_DIR`, else `.cache/syntax`
 * in this package (next to `dist`). `TEARDOWN_CACHE_DIR=off` disables it.
 */
export function syntaxCacheDir(): string | undefined {
  const env = process.env.TEARDOWN_CACHE_DIR;
  if (env === 'off') return undefined;
  return env ? join(env, 'syntax') : fileURLToPath(new URL('../.cache/syntax/', import.meta.url));
}

/** The wasm files of tree-sitter and of its C grammar, as package paths. */
const WASM = ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-c/tree-sitter-c.wasm'] as const;

/** The front end's modules a stored parse depends on (the pre-pass, the parse, the problem walks, the codec). */
const FRONT_END_MODULES = ['prepass', 'parser', 'parse-files', 'limits', 'syntax', 'syn-codec'];

/**
 * A fingerprint of what a stored parse depends on besides the file's text:
 * the codec's version, the front end's modules (their code as installed:
 * `dist/lang/*.js`, or the TypeScript sources under the tests) and the two
 * wasm files (size and modification time). A change of any of them changes
 * every key, so an entry made by other code is never read (it is a miss).
 * SHA-256, hex; computed once per process, about a millisecond.
 */
export function codeFingerprint(): string {
  const h = createHash('sha256').update(SYN_CODEC_VERSION);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  for (const m of FRONT_END_MODULES) {
    h.update('\0').update(m).update('\0');
    try {
      h.update(readFileSync(fileURLToPath(new URL(`./lang/${m}${ext}`, import.meta.url))));
    } catch {
      h.update('missing');
    }
  }
  for (const w of WASM) {
    try {
      const st = statSync(require.resolve(w));
      h.update(`\0${w}\0${st.size}\0${st.mtimeMs}`);
    } catch {
      h.update(`\0${w}\0missing`);
    }
  }
  return h.digest('hex');
}

/** Bytes of the checksum that ends an entry (SHA-256 of what comes before it). */
const SUM_BYTES = 32;

/**
 * Parses stored as files `<sha256 of fingerprint and text>.syn` in `dir`:
 * a little-endian u32 header length, the JSON header (version, types,
 * fields, pre-passed text, loop macros, clean), the node words
 * (lang/syn-codec.ts), then a SHA-256 of all of that. Reads and writes never
 * throw: a cache that cannot be read or written, or an entry that is cut
 * short, damaged or of another shape, is a miss (the text is parsed again
 * and the entry rewritten). `fingerprint`: what the entries depend on
 * besides the text (default {@link codeFingerprint}).
 */
export function fileSyntaxStore(dir: string, fingerprint?: string): SyntaxStore {
  let salt = fingerprint;
  const path = (text: string) => {
    salt ??= codeFingerprint();
    return join(dir, `${createHash('sha256').update(salt).update('\0').update(text).digest('hex')}.syn`);
  };
  return {
    get(text) {
      try {
        const buf = readFileSync(path(text));
        if (buf.length < 4 + SUM_BYTES) return undefined;
        const body = buf.subarray(0, buf.length - SUM_BYTES);
        if (
          !createHash('sha256')
            .update(body)
            .digest()
            .equals(buf.subarray(buf.length - SUM_BYTES))
        )
          return undefined;
        const hlen = body.readUInt32LE(0);
        if (4 + hlen > body.length) return undefined;
        const head = JSON.parse(body.toString('utf8', 4, 4 + hlen)) as Omit<EncodedSyn, 'words'> &
          Omit<StoredParse, 'syn'>;
        const bytes = body.subarray(4 + hlen);
        if (bytes.length % 4 !== 0) return undefined;
        // copy to an aligned buffer (the header's length leaves the words at any offset)
        const words = new Int32Array(bytes.length >> 2);
        new Uint8Array(words.buffer).set(bytes);
        const { ppText, loops, clean, ...syn } = head;
        return { syn: { ...syn, words }, ppText, loops, clean };
      } catch {
        return undefined;
      }
    },
    set(text, e) {
      try {
        mkdirSync(dir, { recursive: true });
        const { words, ...syn } = e.syn;
        const head = Buffer.from(
          JSON.stringify({
            version: syn.version,
            types: syn.types,
            fields: syn.fields,
            ppText: e.ppText,
            loops: e.loops,
            clean: e.clean,
          }),
          'utf8',
        );
        const len = Buffer.alloc(4);
        len.writeUInt32LE(head.length, 0);
        const body = Buffer.concat([len, head, Buffer.from(words.buffer, words.byteOffset, words.byteLength)]);
        const file = path(text);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([body, createHash('sha256').update(body).digest()]));
        renameSync(tmp, file);
      } catch {
        // a read-only install: no cache
      }
    },
  };
}

/** Load tree-sitter and the C grammar from node_modules (once per process), and install the parse cache. */
export async function initNodeParser(): Promise<void> {
  const dir = syntaxCacheDir();
  setSyntaxStore(dir ? fileSyntaxStore(dir) : undefined);
  await initParser({
    treeSitterWasm: require.resolve(WASM[0]),
    cGrammarWasm: require.resolve(WASM[1]),
  });
}

export * from './index.js';

export { SplitThreads, splitWorkersAvailable } from './threads/split-pool.js';
