#!/usr/bin/env node
/**
 * Build the one-module CLI the `teardown` bin loads when it is up to date
 * (bin/cli-module.js): `dist/cli.bundle.cjs`, dist/cli.js and everything it
 * imports bundled by esbuild into one CommonJS script, `dist/cli.bundle.json`,
 * the files it was built from with their sizes and modification times, and
 * `dist/cli.bundle.cache`, V8's code cache for it (scripts/code-cache.mjs, in
 * a fresh process; `--no-code-cache` leaves it out). Run it after
 * `tsc -b packages/core packages/grader` (npm run prepare and the grader's
 * build do); without it, or after a rebuild without it, the bin loads the
 * modules as before, only slower to start.
 *
 * The bundle behaves as the modules do: every `import.meta.url` is replaced
 * by the URL of the file it was written in, so paths found relative to a
 * module (the parse cache, the exercises, the worker's module, the parser's
 * wasm) are the same; dynamic imports become requires (a script compiled
 * from a code cache cannot import on Node 20), and the bin runs it in strict
 * mode, as ES modules run. piscina, esbuild, echarts and fflate stay outside
 * (required from node_modules when a command needs them). It is CommonJS
 * because Node 20 can give V8 a code cache only for a classic script.
 *
 * When the manifest says the bundle is up to date (this script, the bin's
 * loader and the cache's maker are among its inputs) and this Node, under
 * this process's V8 flags, takes the code cache for it, nothing is done
 * (`--force` builds anyway).
 *
 * Usage: node packages/grader/scripts/bundle-cli.mjs [--out <dir>] [--no-code-cache] [--force] (default: the grader's dist/).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { MANIFEST_VERSION, bundleUpToDate, codeCacheAccepted } from '../bin/cli-module.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : dist;
const root = resolve(dist, '../../..');
const withCache = !process.argv.includes('--no-code-cache');
const outUrl = pathToFileURL(`${out}/`);

// nothing changed since the last build (every input, this script included, as the manifest lists it) and its
// code cache is there, one this Node takes under these V8 flags (not one made by another Node): both are kept
// (npm start and npm test run this script each time)
if (
  !process.argv.includes('--force') &&
  bundleUpToDate(new URL('cli.bundle.json', outUrl)) &&
  (!withCache || (await codeCacheAccepted(outUrl)))
) {
  process.stdout.write(`${join(out, 'cli.bundle.cjs')} is up to date\n`);
  process.exit(0);
}

const r = await esbuild.build({
  entryPoints: [join(dist, 'cli.js')],
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  supported: { 'dynamic-import': false },
  write: false,
  outfile: join(out, 'cli.bundle.cjs'),
  metafile: true,
  external: ['piscina', 'esbuild', 'echarts', 'fflate'],
  logLevel: 'warning',
  // the bundle's own require under a name no module declares (./bin/cli-module.js passes it in)
  banner: { js: 'var __teardownRequire = require;' },
  plugins: [
    {
      name: 'teardown-module-urls',
      setup(b) {
        // each module's import.meta.url stays its own file's URL
        // (esbuild's define: only the expression, not the words in a string or a comment)
        b.onLoad({ filter: /\.(js|mjs|cjs)$/ }, async (args) => {
          let text = readFileSync(args.path, 'utf8');
          // Node's built-ins imported dynamically (web-tree-sitter does, in a function that declares its own
          // `require`, which esbuild's lowering to require() would call): required by the bundle's own require
          text = text.replace(
            /\bimport\((['"])((?:node:)?(?:module|fs\/promises))\1\)/g,
            'Promise.resolve(__teardownRequire("$2"))',
          );
          if (!text.includes('import.meta.url') && !text.includes('__teardownRequire')) return undefined;
          const t = await esbuild.transform(text, {
            loader: 'js',
            sourcefile: args.path,
            define: { 'import.meta.url': JSON.stringify(pathToFileURL(args.path).href) },
          });
          return { contents: t.code, loader: 'js', resolveDir: dirname(args.path) };
        });
      },
    },
  ],
});

const bundle = join(out, 'cli.bundle.cjs');
// an earlier build's files: the ES module bundle of before, and a code cache made for another bundle
for (const stale of ['cli.bundle.mjs', 'cli.bundle.cache']) rmSync(join(out, stale), { force: true });
const tmp = `${bundle}.${process.pid}.tmp`;
writeFileSync(tmp, r.outputFiles[0].contents);
renameSync(tmp, bundle);
// the inputs, this script (it decides the bundle's form), what loads the bundle (its wrapper, the code cache's
// first line) and what makes the cache (what the cache holds), and the bundle itself
const here = dirname(fileURLToPath(import.meta.url));
const files = [
  ...Object.keys(r.metafile.inputs).map((p) => resolve(root, p)),
  fileURLToPath(import.meta.url),
  resolve(here, '../bin/cli-module.js'),
  join(here, 'code-cache.mjs'),
  bundle,
];
const inputs = files.map((f) => {
  const st = statSync(f);
  return [f, st.size, st.mtimeMs];
});
// one input a line: [path, size in bytes, modification time in ms]
writeFileSync(
  join(out, 'cli.bundle.json'),
  `{"version": ${MANIFEST_VERSION}, "inputs": [\n${inputs.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`,
);
process.stdout.write(`wrote ${bundle} (${Object.keys(r.metafile.inputs).length} modules)\n`);
if (withCache) {
  // TEARDOWN_BUNDLE=off is for the bin: the cache maker loads the bundle whatever the environment says
  const { TEARDOWN_BUNDLE: _, ...env } = process.env;
  const made = spawnSync(process.execPath, [join(here, 'code-cache.mjs'), out], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (made.status === 0) process.stdout.write(`wrote ${join(out, 'cli.bundle.cache')}\n`);
  else process.stdout.write('no code cache written: the CLI compiles the bundle at each start\n');
}
