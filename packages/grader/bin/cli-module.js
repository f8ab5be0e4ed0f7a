/**
 * Which CLI the `teardown` bin runs, and how it loads: the one-module build
 * of the CLI (`dist/cli.bundle.cjs`, made by scripts/bundle-cli.mjs) when it
 * is up to date, compiled with V8's code cache beside it when that cache was
 * made for it; else `dist/cli.js` and its modules. Loading one script instead
 * of about 140 modules saves most of Node's module resolution and loading in
 * a fresh process, and the code cache most of the compiling of the
 * functions a command runs (README "Performance"; docs/architecture.md,
 * "The one-module CLI").
 *
 * Up to date means: the manifest beside the bundle (`dist/cli.bundle.json`)
 * lists every file the bundle was built from with its size and modification
 * time, the bundle's own included, and each still has them. A rebuild by
 * `tsc -b` without a new bundle, an edited dependency, a missing or damaged
 * manifest: the modules are loaded, as without a bundle. `TEARDOWN_BUNDLE=off`
 * always loads the modules.
 *
 * The code cache (`dist/cli.bundle.cache`) is V8's serialised bytecode of the
 * bundle's functions as a run left them compiled (vm.Script
 * createCachedData after a grading: scripts/code-cache.mjs). Its first line
 * names the bundle it was made for (size and modification time); V8 checks
 * the rest against its own version and flags, and the source's length only
 * (and no checksum in a release build: a cache damaged past V8's header can
 * crash the process). Any mismatch, a missing file, or
 * `TEARDOWN_CODE_CACHE=off`: the bundle is compiled as any script is, with
 * the same result. (Node 22's
 * module.enableCompileCache does this for ES modules; Node 20 can use a code
 * cache only for a classic script, hence a CommonJS bundle.)
 */
import { closeSync, fstatSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The manifest's form: 2 since the bundle is CommonJS and the bundle script is one of its inputs. */
export const MANIFEST_VERSION = 2;

/** The code cache file's first line, before the bundle's size and modification time. */
const CACHE_MAGIC = 'teardown-code-cache 1';

/**
 * Is the bundle described by the manifest at `manifestUrl` up to date?
 * Never throws: a manifest that cannot be read or has another shape is not.
 * @param {URL} manifestUrl
 * @returns {boolean}
 */
export function bundleUpToDate(manifestUrl) {
  try {
    const m = JSON.parse(readFileSync(manifestUrl, 'utf8'));
    if (m?.version !== MANIFEST_VERSION || !Array.isArray(m.inputs) || m.inputs.length === 0) return false;
    for (const entry of m.inputs) {
      if (!Array.isArray(entry) || entry.length !== 3) return false;
      const [file, size, mtimeMs] = entry;
      const st = statSync(file);
      if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The URL of the CLI to run: the bundle beside `distUrl` when it is up to
 * date (and not turned off by `TEARDOWN_BUNDLE=off`), else `cli.js`.
 * @param {URL} distUrl the grader's dist/ folder, ending in a slash
 * @returns {URL}
 */
export function cliModuleUrl(distUrl) {
  if (process.env.TEARDOWN_BUNDLE !== 'off' && bundleUpToDate(new URL('cli.bundle.json', distUrl)))
    return new URL('cli.bundle.cjs', distUrl);
  return new URL('cli.js', distUrl);
}

/**
 * @typedef {object} LoadedCli
 * @property {(argv: string[]) => Promise<void>} main the CLI's main (cli.ts)
 * @property {'modules' | 'none' | 'accepted' | 'rejected'} codeCache how it was compiled: from the modules,
 *   or the bundle without a code cache for it, with one V8 took, or with one V8 refused
 * @property {(() => boolean) | undefined} saveCodeCache the bundle only: write the code cache of the
 *   functions compiled so far beside it (atomically; false when it cannot be written)
 */

/**
 * Load the CLI beside `distUrl` ({@link cliModuleUrl}).
 * @param {URL} distUrl the grader's dist/ folder, ending in a slash
 * @returns {Promise<LoadedCli>}
 */
export async function loadCli(distUrl) {
  const url = cliModuleUrl(distUrl);
  if (!url.pathname.endsWith('.cjs')) {
    const m = await import(url.href);
    return { main: m.main, codeCache: 'modules', saveCodeCache: undefined };
  }
  await setCacheFlags();
  return loadBundle(url, new URL('cli.bundle.cache', distUrl));
}

/** Set the V8 flags a code cache is checked against as a start of the bin sets them (main sets this one too). */
async function setCacheFlags() {
  const tier = await import(new URL('../dist/wasm-tier.js', import.meta.url).href);
  tier.compileWasmWithLiftoffOnly();
}

/**
 * Compile and run the CommonJS bundle at `bundleUrl` (strict, as the ES
 * modules it was built from are), with the code cache at `cacheUrl` when it
 * was made for this bundle.
 * @param {URL} bundleUrl
 * @param {URL} cacheUrl
 * @returns {LoadedCli}
 */
export function loadBundle(bundleUrl, cacheUrl) {
  const { file, header, cachedData, script } = compileBundle(
    bundleUrl,
    cacheUrl,
    process.env.TEARDOWN_CODE_CACHE !== 'off',
  );
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    main: module.exports.main,
    codeCache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted',
    saveCodeCache: () => {
      try {
        const path = fileURLToPath(cacheUrl);
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([Buffer.from(header), script.createCachedData()]));
        renameSync(tmp, path);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Compile (not run) the bundle at `bundleUrl`, with the code cache at
 * `cacheUrl` when `withCache` and its first line names the bundle.
 * @param {URL} bundleUrl
 * @param {URL} cacheUrl
 * @param {boolean} withCache
 * @returns {{ file: string, header: string, cachedData: Buffer | undefined, script: vm.Script }}
 */
function compileBundle(bundleUrl, cacheUrl, withCache) {
  const file = fileURLToPath(bundleUrl);
  // the text and the stats of one file (the bundle script renames a new bundle over the old): read apart,
  // a bundle renamed in between would have its stats name the other's text, and V8 checks only a source's length
  const fd = openSync(file, 'r');
  let code;
  let header;
  try {
    header = cacheHeader(fstatSync(fd));
    code = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const cachedData = withCache ? readCache(cacheUrl, header) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {'use strict';${code}\n})`, {
    filename: file,
    cachedData,
  });
  return { file, header, cachedData, script };
}

/**
 * Would a start of the bin, under this process's V8 (its version and flags),
 * compile the bundle in `distUrl` from its code cache? The cache's first line
 * names the bundle and V8 takes the rest. (The bundle script asks, to keep a
 * cache only when it is of use: one made by another Node or under other V8
 * flags is made again.) Sets the V8 flags the bin sets. Never throws.
 * @param {URL} distUrl the folder of the bundle, ending in a slash
 * @returns {Promise<boolean>}
 */
export async function codeCacheAccepted(distUrl) {
  try {
    await setCacheFlags();
    const { cachedData, script } = compileBundle(
      new URL('cli.bundle.cjs', distUrl),
      new URL('cli.bundle.cache', distUrl),
      true,
    );
    return cachedData !== undefined && !script.cachedDataRejected;
  } catch {
    return false;
  }
}

/**
 * The first line of a code cache made for a bundle with these stats.
 * @param {{ size: number, mtimeMs: number }} st
 * @returns {string}
 */
function cacheHeader(st) {
  return `${CACHE_MAGIC} ${st.size} ${st.mtimeMs}\n`;
}

/**
 * The code cache at `url` without its first line, when that line is `header`; undefined otherwise.
 * @param {URL} url
 * @param {string} header
 * @returns {Buffer | undefined}
 */
function readCache(url, header) {
  try {
    const buf = readFileSync(url);
    const h = Buffer.from(header);
    return buf.length > h.length && buf.subarray(0, h.length).equals(h) ? buf.subarray(h.length) : undefined;
  } catch {
    return undefined;
  }
}
