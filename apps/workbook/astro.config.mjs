// @ts-check
// Astro 5 + Starlight 0.37 configuration for the Teardown workbook.
// Run with ASTRO_TELEMETRY_DISABLED=1 (see package.json scripts).
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import precache from './integrations/precache.mjs';

// The base path the site is served under: `/` locally, `/teardown/` for a GitHub project page
// (TEARDOWN_BASE=/teardown/ TEARDOWN_SITE=https://<owner>.github.io astro build). Everything
// else (links, the service worker, the worker and wasm URLs, search) follows it.
const base = process.env.TEARDOWN_BASE || '/';

export default defineConfig({
	// Needed by the sitemap integration; the site is served locally and works offline.
	site: process.env.TEARDOWN_SITE || 'http://127.0.0.1:4321',
	base,
	integrations: [
		starlight({
			title: 'Teardown',
			description:
				'A workbook on object lifetimes and teardown races in the Linux kernel iommufd and VFIO subsystems.',
			favicon: '/favicon.svg',
			customCss: ['./src/styles/teardown.css', './src/styles/workspace.css'],
			lastUpdated: false,
			head: [
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
			],
		}),
		// after starlight(): its Pagefind index is part of what is precached
		precache(),
	],
	vite: {
		worker: { format: 'es' },
		optimizeDeps: { exclude: ['web-tree-sitter'] },
		build: { chunkSizeWarningLimit: 5000 },
	},
});
