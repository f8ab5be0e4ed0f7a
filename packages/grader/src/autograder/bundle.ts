/**
 * The self-contained grader that the autograders ship: the `teardown` CLI
 * bundled by esbuild into one ES module (the model's kernel-C is already
 * embedded in @teardown/core), the two WebAssembly files of the C parser
 * beside it, a VERSION.json, and the exercise without its solution and
 * known-bad versions. It needs Node (20 or later) and nothing else: no
 * npm install, no network.
 *
 * In the bundle, `@teardown/core/node` is replaced by a module that loads the
 * parser's wasm from the bundle's own folder (the package resolves it from
 * node_modules, which the bundle does not have). esbuild, echarts and fflate
 * stay out: the commands that build autograders and class reports import
 * them on demand and are not for the bundle.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Exercise } from '../exercise/manifest.js';

const nodeRequire = createRequire(import.meta.url);

/** The bundle's files, by name: `teardown.mjs`, `web-tree-sitter.wasm`, `tree-sitter-c.wasm`, `VERSION.json`. */
export type BundleFiles = Map<string, Uint8Array>;

/** What VERSION.json says: the grader's package version and the SHA-256 of teardown.mjs (hex). */
export interface BundleVersion {
  grader: string;
  sha256: string;
  node: string;
}

/** The module that stands for `@teardown/core/node` inside the bundle. */
const CORE_NODE_SHIM = `
import { initParser } from '@teardown/core';
import { fileURLToPath } from 'node:url';
export * from '@teardown/core';
/** The parser's wasm files sit beside the bundle. */
export function initNodeParser() {
  return initParser({
    treeSitterWasm: fileURLToPath(new URL('./web-tree-sitter.wasm', import.meta.url)),
    cGrammarWasm: fileURLToPath(new URL('./tree-sitter-c.wasm', import.meta.url)),
  });
}
/** One file has no worker module beside it: a split exploration explores alone (check --jobs). */
export function splitWorkersAvailable() {
  return false;
}
export class SplitThreads {
  constructor() {
    throw new Error('teardown: the bundled grader has no split workers');
  }
}
`;

/** The grader package's version (its package.json). */
export function graderVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Bundle the CLI with esbuild (in memory; about half a second). Errors:
 * esbuild's, when the grader's dist/ is missing or broken (build it first).
 */
export async function buildBundle(): Promise<{ files: BundleFiles; version: BundleVersion }> {
  const esbuild = await import('esbuild');
  const dist = fileURLToPath(new URL('..', import.meta.url));
  const r = await esbuild.build({
    stdin: {
      contents:
        "import { exitWhenFlushed, main } from './cli.js';\n" +
        'main(process.argv).then(exitWhenFlushed, (e) => { console.error(e?.stack ?? String(e)); process.exit(2); });\n',
      resolveDir: dist,
      loader: 'js',
      sourcefile: 'teardown-bundle-entry.js',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    outfile: 'teardown.mjs',
    external: ['esbuild', 'echarts', 'fflate'],
    legalComments: 'eof',
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __teardownRequire } from 'node:module';\nconst require = __teardownRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'teardown-core-node',
        setup(b) {
          b.onResolve({ filter: /^@teardown\/core\/node$/ }, () => ({ path: 'core-node', namespace: 'teardown' }));
          b.onLoad({ filter: /.*/, namespace: 'teardown' }, () => ({
            contents: CORE_NODE_SHIM,
            resolveDir: dist,
            loader: 'js',
          }));
        },
      },
    ],
  });
  const js = r.outputFiles[0]!.contents;
  const version: BundleVersion = {
    grader: graderVersion(),
    sha256: createHash('sha256').update(js).digest('hex'),
    node: '>=20',
  };
  const files: BundleFiles = new Map([
    ['teardown.mjs', js],
    ['web-tree-sitter.wasm', readFileSync(nodeRequire.resolve('web-tree-sitter/web-tree-sitter.wasm'))],
    ['tree-sitter-c.wasm', readFileSync(nodeRequire.resolve('tree-sitter-c/tree-sitter-c.wasm'))],
    ['VERSION.json', new TextEncoder().encode(`${JSON.stringify(version, null, 2)}\n`)],
  ]);
  return { files, version };
}

/**
 * The exercise as the autograders ship it: every file but the reference
 * solution and the known-bad versions (a student template repository is
 * public to its student). The solution's place holds a stub, since the
 * manifest names it; grading never reads it (the solution's model findings
 * are in model-findings.json). The manifest's known-bad list is emptied and
 * its play challenges dropped (they play the solution and known-bad files).
 */
export function shippedExercise(ex: Exercise): Map<string, string> {
  const out = new Map<string, string>();
  const bad = new Set(ex.manifest.knownBad.map((k) => k.file));
  for (const [path, text] of ex.files) {
    if (bad.has(path) || path.startsWith('known-bad/')) continue;
    if (path === 'exercise.json') {
      out.set(path, `${JSON.stringify({ ...ex.manifest, knownBad: [], challenges: undefined }, null, 2)}\n`);
      continue;
    }
    out.set(
      path,
      path === ex.manifest.solution ? '/* The reference solution is not shipped with the autograder. */\n' : text,
    );
  }
  return out;
}

/** The file name a submission is expected to have: `<exercise id>.c`. */
export function expectedFileName(ex: Exercise): string {
  return `${ex.manifest.id}.c`;
}

/**
 * The statement as the student reads it: up to its own "## Grading" section (which is for the
 * workbook and instructors), with the starter's name replaced by the file the student edits.
 */
export function studentStatement(ex: Exercise): string {
  const text = ex.files.get(ex.manifest.statement) ?? `# ${ex.manifest.title}\n`;
  const cut = text.search(/^## Grading\b/m);
  return (cut >= 0 ? text.slice(0, cut) : text).split(`\`${ex.manifest.starter}\``).join(`\`${expectedFileName(ex)}\``);
}
