/**
 * Whether the workbook's build output is up to date: a digest of what the
 * build reads (the workbook's sources and config, the exercises, the core
 * and grader sources, the lock file, and the base path it is built for),
 * from file paths, sizes and modification times, kept in the output folder
 * as `.teardown-build`. `npm start` rebuilds only when the digest changed;
 * the end-to-end runner writes it after its own build.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const INPUTS = [
  'apps/workbook/src',
  'apps/workbook/public',
  'apps/workbook/integrations',
  'apps/workbook/astro.config.mjs',
  'apps/workbook/package.json',
  'apps/workbook/tsconfig.json',
  'exercises',
  'packages/core/src',
  'packages/core/model',
  'packages/core/package.json',
  'packages/grader/src',
  'packages/grader/package.json',
  'package-lock.json',
];
const STAMP = '.teardown-build';

function* files(p) {
  if (!existsSync(p)) return;
  const st = statSync(p);
  if (!st.isDirectory()) {
    yield [p, st];
    return;
  }
  for (const name of readdirSync(p).sort()) if (name !== 'node_modules' && name !== 'dist') yield* files(join(p, name));
}

/** The digest of the build's inputs under `root`, for base path `base`. */
export function sourcesDigest(root, base = process.env.TEARDOWN_BASE || '/') {
  const h = createHash('sha256').update(`base ${base}\n`);
  for (const input of INPUTS)
    for (const [p, st] of files(join(root, input))) h.update(`${relative(root, p)} ${st.size} ${st.mtimeMs}\n`);
  return h.digest('hex');
}

/** True when `outDir` holds a build of the current inputs. */
export function upToDate(root, outDir) {
  const stamp = join(outDir, STAMP);
  return (
    existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === sourcesDigest(root)
  );
}

/** Record that `outDir` holds a build of the current inputs. */
export function writeStamp(root, outDir) {
  writeFileSync(join(outDir, STAMP), sourcesDigest(root));
}
