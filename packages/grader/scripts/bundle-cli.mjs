#!/usr/bin/env node
/**
 * Build the one-module CLI the `teardown` bin loads when it is up to date
 * (bin/cli-module.js): `dist/cli.bundle.mjs`, dist/cli.js and everything it
 * imports bundled by esbuild, and `dist/cli.bundle.json`, the files it was
 * built from with their sizes and modification times. Run it after
 * `tsc -b packages/core packages/grader` (npm run prepare and the grader's
 * build do); without it, or after a rebuild without it, the bin loads the
 * modules as before, only slower to start.
 *
 * The bundle behaves as the modules do: every `import.meta.url` is replaced
 * by the URL of the file it was written in, so paths found relative to a
 * module (the parse cache, the exercises, the worker's module, the parser's
 * wasm) are the same. piscina, esbuild, echarts and fflate stay outside
 * (loaded from node_modules when a command needs them). CommonJS
 * dependencies get a `require` (createRequire) for Node's built-ins.
 *
 * Usage: node packages/grader/scripts/bundle-cli.mjs [--out <dir>] (default: the grader's dist/).
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : dist;
const root = resolve(dist, '../../..');

const r = await esbuild.build({
  entryPoints: [join(dist, 'cli.js')],
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  outfile: join(out, 'cli.bundle.mjs'),
  metafile: true,
  external: ['piscina', 'esbuild', 'echarts', 'fflate'],
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __teardownRequire } from 'node:module';\nconst require = __teardownRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'teardown-module-urls',
      setup(b) {
        // each module's import.meta.url stays its own file's URL
        // (esbuild's define: only the expression, not the words in a string or a comment)
        b.onLoad({ filter: /\.(js|mjs|cjs)$/ }, async (args) => {
          const text = readFileSync(args.path, 'utf8');
          if (!text.includes('import.meta.url')) return undefined;
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

const bundle = join(out, 'cli.bundle.mjs');
const tmp = `${bundle}.${process.pid}.tmp`;
writeFileSync(tmp, r.outputFiles[0].contents);
renameSync(tmp, bundle);
const files = [...Object.keys(r.metafile.inputs).map((p) => resolve(root, p)), bundle];
const inputs = files.map((f) => {
  const st = statSync(f);
  return [f, st.size, st.mtimeMs];
});
// one input a line: [path, size in bytes, modification time in ms]
writeFileSync(
  join(out, 'cli.bundle.json'),
  `{"version": 1, "inputs": [\n${inputs.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`,
);
process.stdout.write(`wrote ${bundle} (${inputs.length - 1} modules)\n`);
