// @ts-check
/**
 * Root-relative links under a base path. Built for a sub-path (TEARDOWN_BASE=/teardown/, a GitHub project page),
 * the chapters' Markdown links (`/chapters/02-users-and-wait-cnt/`), the home page's hero and link cards and
 * every other `href="/..."` or `src="/..."` written for the site root would miss the base. Astro and Starlight
 * prefix what they generate themselves; this prefixes the rest in the built HTML, after the build (list it
 * before the precache integration, which hashes the HTML). Nothing happens for the base `/`.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `html` with every root-relative `href` and `src` that does not start with `base` prefixed by it.
 * @param {string} html
 * @param {string} base ends with `/`
 */
export function withBase(html, base) {
	if (base === '/') return html;
	return html.replace(/(\s(?:href|src)=")\/(?!\/)([^"]*)"/g, (m, attr, rest) =>
		`/${rest}`.startsWith(base) || `/${rest}/` === base ? m : `${attr}${base}${rest}"`,
	);
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function htmlFiles(dir) {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? htmlFiles(p) : p.endsWith('.html') ? [p] : [];
	});
}

/** @returns {import('astro').AstroIntegration} */
export default function baseLinks() {
	let base = '/';
	return {
		name: 'teardown-base-links',
		hooks: {
			'astro:config:done': ({ config }) => {
				base = config.base.endsWith('/') ? config.base : `${config.base}/`;
			},
			'astro:build:done': ({ dir, logger }) => {
				if (base === '/') return;
				let changed = 0;
				for (const f of htmlFiles(fileURLToPath(dir))) {
					const html = readFileSync(f, 'utf8');
					const out = withBase(html, base);
					if (out !== html) {
						writeFileSync(f, out);
						changed++;
					}
				}
				logger.info(`root-relative links prefixed with ${base} in ${changed} pages`);
			},
		},
	};
}
