/** Node entry: initialise the parser from the installed wasm files, with a persistent cache of parses. */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initParser } from './lang/parser.js';
import { setSyntaxStore } from './lang/parse-files.js';
import { type EncodedSyn, SYN_CODEC_VERSION, type SyntaxStore } from './lang/syn-codec.js';

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

/**
 * Parses stored as files `<sha256 of text>.syn` in `dir`: a little-endian
 * u32 header length, the JSON header (version, types, fields), then the node
 * words (lang/syn-codec.ts). Reads and writes never throw: a cache that
 * cannot be read or written is a miss.
 */
export function fileSyntaxStore(dir: string): SyntaxStore {
  const path = (text: string) =>
    join(dir, `${createHash('sha256').update(SYN_CODEC_VERSION).update('\0').update(text).digest('hex')}.syn`);
  return {
    get(text) {
      try {
        const buf = readFileSync(path(text));
        const hlen = buf.readUInt32LE(0);
        const head = JSON.parse(buf.toString('utf8', 4, 4 + hlen)) as Omit<EncodedSyn, 'words'>;
        const start = 4 + hlen;
        const bytes = buf.subarray(start);
        // copy to an aligned buffer (the header's length leaves the words at any offset)
        const words = new Int32Array(bytes.length >> 2);
        new Uint8Array(words.buffer).set(bytes.subarray(0, words.length * 4));
        return { ...head, words };
      } catch {
        return undefined;
      }
    },
    set(text, e) {
      try {
        mkdirSync(dir, { recursive: true });
        const head = Buffer.from(JSON.stringify({ version: e.version, types: e.types, fields: e.fields }), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(head.length, 0);
        const file = path(text);
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(
          tmp,
          Buffer.concat([len, head, Buffer.from(e.words.buffer, e.words.byteOffset, e.words.byteLength)]),
        );
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
    treeSitterWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    cGrammarWasm: require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
  });
}

export * from './index.js';
