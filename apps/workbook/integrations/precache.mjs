// @ts-check
/**
 * Offline from the first visit: after the build (and after Starlight's
 * Pagefind index, so list this integration after starlight()), every file
 * of dist/ (pages, scripts, styles, the editor, the grading worker, the
 * wasm files, the search index) is listed with a content hash and the list
 * is written into dist/sw.js, which caches all of it when it installs
 * (public/sw.js). A changed file changes the list, so browsers install the
 * new service worker and drop the old cache.
 *
 * Why not workbox-build: it would add some 300 packages (Babel, Rollup,
 * Terser) to list files and hash them, which is all this does.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files never precached: the worker itself, and what only crawlers read. */
const SKIP = /^(sw\.js|sitemap-.*\.xml|robots\.txt)$/;

/**
 * Every file under `dir`, relative, with `/` separators.
 * @param {string} dir
 * @param {string} [root]
 * @returns {string[]}
 */
function walk(dir, root = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p, root) : [relative(root, p).split(sep).join('/')];
  });
}

/**
 * The precache list of a built site: one entry per file, a page's
 * `index.html` under its directory URL, each with a short content hash.
 * @param {string} dist the build output folder
 * @param {string} base the site's base path (`/` or `/teardown/`)
 * @returns {{ url: string, rev: string }[]}
 */
export function precacheList(dist, base) {
  const prefix = base.endsWith('/') ? base : `${base}/`;
  return walk(dist)
    .filter((f) => !SKIP.test(f))
    .sort()
    .map((f) => ({
      url: prefix + (f === 'index.html' ? '' : f.endsWith('/index.html') ? f.slice(0, -'index.html'.length) : f),
      rev: createHash('sha256').update(readFileSync(join(dist, f))).digest('hex').slice(0, 12),
    }));
}

/** @returns {import('astro').AstroIntegration} */
export default function precache() {
  let base = '/';
  return {
    name: 'teardown-precache',
    hooks: {
      'astro:config:done': ({ config }) => {
        base = config.base;
      },
      'astro:build:done': ({ dir, logger }) => {
        const dist = fileURLToPath(dir);
        const list = precacheList(dist, base);
        const sw = join(dist, 'sw.js');
        const src = readFileSync(sw, 'utf8');
        if (!src.includes('self.__PRECACHE'))
          throw new Error('public/sw.js has no self.__PRECACHE placeholder for the precache list');
        const version = createHash('sha256').update(JSON.stringify(list)).digest('hex').slice(0, 12);
        writeFileSync(
          sw,
          src
            .replace(/self\.__PRECACHE = \[\];/, `self.__PRECACHE = ${JSON.stringify(list)};`)
            .replace(/self\.__VERSION = '[^']*';/, `self.__VERSION = '${version}';`),
        );
        const bytes = list.reduce((n, e) => n + statSync(join(dist, e.url.slice(base.length) || 'index.html').replace(/\/$/, '/index.html')).size, 0);
        logger.info(`precache: ${list.length} files, ${(bytes / 1e6).toFixed(1)} MB, version ${version}`);
      },
    },
  };
}
