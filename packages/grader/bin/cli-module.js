/**
 * Which module the `teardown` bin loads: the one-module build of the CLI
 * (`dist/cli.bundle.mjs`, made by scripts/bundle-cli.mjs) when it is up to
 * date, else `dist/cli.js` and its modules. Loading one module instead of
 * about 140 saves most of Node's module resolution and loading in a fresh
 * process (README "Performance").
 *
 * Up to date means: the manifest beside the bundle (`dist/cli.bundle.json`)
 * lists every file the bundle was built from with its size and modification
 * time, the bundle's own included, and each still has them. A rebuild by
 * `tsc -b` without a new bundle, an edited dependency, a missing or damaged
 * manifest: the modules are loaded, as without a bundle. `TEARDOWN_BUNDLE=off`
 * always loads the modules.
 */
import { readFileSync, statSync } from 'node:fs';

/**
 * Is the bundle described by the manifest at `manifestUrl` up to date?
 * Never throws: a manifest that cannot be read or has another shape is not.
 * @param {URL} manifestUrl
 * @returns {boolean}
 */
export function bundleUpToDate(manifestUrl) {
  try {
    const m = JSON.parse(readFileSync(manifestUrl, 'utf8'));
    if (m?.version !== 1 || !Array.isArray(m.inputs) || m.inputs.length === 0) return false;
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
 * The URL of the CLI module to import: the bundle beside `distUrl` when it is
 * up to date (and not turned off by `TEARDOWN_BUNDLE=off`), else `cli.js`.
 * @param {URL} distUrl the grader's dist/ folder, ending in a slash
 * @returns {URL}
 */
export function cliModuleUrl(distUrl) {
  if (process.env.TEARDOWN_BUNDLE !== 'off' && bundleUpToDate(new URL('cli.bundle.json', distUrl)))
    return new URL('cli.bundle.mjs', distUrl);
  return new URL('cli.js', distUrl);
}
