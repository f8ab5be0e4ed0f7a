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
 * holds the SHA-1 of the bundle it was made for and of the rest, V8's data:
 * V8 checks that data against its own version and flags but the source only
 * by its length, and checks no checksum in a release build (a damaged cache
 * can crash the process), so both hashes are checked first (about 2 ms).
 * Any mismatch, a missing file, or `TEARDOWN_CODE_CACHE=off`: the bundle is
 * compiled as any script is, with the same result. (Node 22's
 * module.enableCompileCache does this for ES modules; Node 20 can use a code
 * cache only for a classic script, hence a CommonJS bundle.)
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The manifest's form: 2 since the bundle is CommonJS and the bundle script is one of its inputs. */
export const MANIFEST_VERSION = 2;

/** The code cache file's first line, before the SHA-1 of the bundle and of V8's data (hex). */
const CACHE_MAGIC = 'teardown-code-cache 2';

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
 * @property {() => void} exitWhenFlushed end the process once the standard streams are written (src/output.ts),
 *   what the bin does when `main` has returned
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
    return { main: m.main, exitWhenFlushed: m.exitWhenFlushed, codeCache: 'modules', saveCodeCache: undefined };
  }
  await setCacheFlags();
  return loadBundle(url, new URL('cli.bundle.cache', distUrl));
}

/**
 * Set the V8 flags a code cache is checked against as a start of the bin sets them (main sets this one too).
 * Node's own modules are compiled from Node's code cache, which V8 refuses once a flag has changed: the ones
 * the bundle's top level requires are loaded first (NODE_DEBUG_NATIVE=CODE_CACHE lists the refused ones).
 */
async function setCacheFlags() {
  await Promise.all(
    ['child_process', 'crypto', 'fs/promises', 'os', 'perf_hooks', 'process', 'worker_threads'].map(
      (m) => import(`node:${m}`),
    ),
  );
  // the standard streams, made when first asked for (a file's or a pipe's loads modules of its own)
  void process.stdout;
  void process.stderr;
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
function loadBundle(bundleUrl, cacheUrl) {
  const { file, bundleHash, cachedData, script } = compileBundle(
    bundleUrl,
    cacheUrl,
    process.env.TEARDOWN_CODE_CACHE !== 'off',
  );
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    main: module.exports.main,
    exitWhenFlushed: module.exports.exitWhenFlushed,
    codeCache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted',
    saveCodeCache: () => {
      const path = fileURLToPath(cacheUrl);
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        writeFileSync(tmp, Buffer.concat([Buffer.from(`${CACHE_MAGIC} ${bundleHash} ${sha1(data)}\n`), data]));
        renameSync(tmp, path);
        return true;
      } catch {
        rmSync(tmp, { force: true });
        return false;
      }
    },
  };
}

/**
 * Compile (not run) the bundle at `bundleUrl`, with the code cache at
 * `cacheUrl` when `withCache` and {@link readCache} finds it made for these
 * bytes and intact.
 * @param {URL} bundleUrl
 * @param {URL} cacheUrl
 * @param {boolean} withCache
 * @returns {{ file: string, bundleHash: string, cachedData: Buffer | undefined, script: vm.Script }}
 */
function compileBundle(bundleUrl, cacheUrl, withCache) {
  const file = fileURLToPath(bundleUrl);
  // the hash of the very bytes compiled (V8 checks only the source's length)
  const bytes = readFileSync(file);
  const bundleHash = sha1(bytes);
  const code = bytes.toString('utf8');
  const cachedData = withCache ? readCache(cacheUrl, bundleHash) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {'use strict';${code}\n})`, {
    filename: file,
    cachedData,
  });
  return { file, bundleHash, cachedData, script };
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
 * SHA-1 of `bytes`, hex.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
function sha1(bytes) {
  return createHash('sha1').update(bytes).digest('hex');
}

/**
 * V8's data in the code cache at `url`, when its first line names the bundle
 * whose SHA-1 is `bundleHash` and the data's own SHA-1 matches; undefined
 * otherwise (none, another bundle's, another form, damaged).
 * @param {URL} url
 * @param {string} bundleHash
 * @returns {Buffer | undefined}
 */
function readCache(url, bundleHash) {
  try {
    const buf = readFileSync(url);
    const nl = buf.indexOf(10);
    if (nl < 0 || nl > 200) return undefined;
    const [magic, version, bundle, dataHash, ...rest] = buf.subarray(0, nl).toString('latin1').split(' ');
    if (`${magic} ${version}` !== CACHE_MAGIC || bundle !== bundleHash || rest.length) return undefined;
    const data = buf.subarray(nl + 1);
    return data.length > 0 && sha1(data) === dataHash ? data : undefined;
  } catch {
    return undefined;
  }
}
