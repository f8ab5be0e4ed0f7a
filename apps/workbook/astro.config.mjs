// @ts-check
// Astro 5 + Starlight 0.37 configuration for the Teardown workbook.
// Run with ASTRO_TELEMETRY_DISABLED=1 (see package.json scripts).
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import baseLinks from './integrations/base-links.mjs';
import precache from './integrations/precache.mjs';

// The base path the site is served under: `/` locally, `/teardown/` for a GitHub project page
// (TEARDOWN_BASE=/teardown/ TEARDOWN_SITE=https://<owner>.github.io astro build). Everything
// else (links, the service worker, the worker and wasm URLs, search) follows it.
const base = process.env.TEARDOWN_BASE || '/';

export default defineConfig({
	// Needed by the sitemap integration; the site is served locally and works offline.
	site: process.env.TEARDOWN_SITE || 'http://127.0.0.1:4321',
	base,
	// a second build (the end-to-end suite's sub-path run) goes elsewhere than dist/
	outDir: process.env.TEARDOWN_OUT || './dist',
	integrations: [
		starlight({
			title: 'Teardown',
			description:
				'A workbook on object lifetimes and teardown races in the Linux kernel iommufd and VFIO subsystems.',
			favicon: '/favicon.svg',
			// the skip links: Starlight's, and "Skip to the editor" on exercise pages
			components: { SkipLink: './src/components/SkipLink.astro' },
			customCss: ['./src/styles/teardown.css', './src/styles/workspace.css', './src/styles/play.css'],
			lastUpdated: false,
			// long lines in code blocks wrap instead of overflowing the column
			expressiveCode: { defaultProps: { wrap: true } },
			// src/pages/404.astro instead (Starlight's looks for a `404` docs entry and warns without one)
			disable404Route: true,
			head: [
				{
					// Accessibility after the page has loaded: the search button is named by the text it shows (Starlight's
					// aria-label "Search" leaves out the visible "Ctrl K"), and a code block or table too wide (or tall) for
					// its column can be focused, so it can be scrolled from the keyboard.
					tag: 'script',
					content: `addEventListener('DOMContentLoaded', () => {
	document.querySelector('button[data-open-modal]')?.removeAttribute('aria-label');
	const scrollables = () => {
		for (const el of document.querySelectorAll('.sl-markdown-content pre, .sl-markdown-content table, .td-statement pre, .td-statement table'))
			if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) el.tabIndex = 0;
	};
	scrollables();
	addEventListener('resize', scrollables);
});`,
				},
				{
					// offline from the first visit: the service worker precaches the whole site (public/sw.js)
					tag: 'script',
					content: `if ('serviceWorker' in navigator) addEventListener('load', () => navigator.serviceWorker.register('${base}sw.js', { scope: '${base}' }).catch(() => {}));`,
				},
			],
			sidebar: [
				{
					label: 'Start here',
					items: [
						{ label: 'Welcome', link: '/' },
						{ slug: 'start/reading-guide' },
						{ slug: 'start/glossary' },
					],
				},
				{ label: 'Chapters', autogenerate: { directory: 'chapters' } },
				{ label: 'Exercises', autogenerate: { directory: 'exercises' } },
				{ label: 'The checker', autogenerate: { directory: 'checker' } },
				{ label: 'Instructors', autogenerate: { directory: 'instructors' } },
			],
		}),
		// after starlight(): links in its pages, then its Pagefind index with everything else, precached
		baseLinks(),
		precache(),
	],
	vite: {
		worker: { format: 'es' },
		optimizeDeps: { exclude: ['web-tree-sitter'] },
		build: { chunkSizeWarningLimit: 5000 },
	},
});
