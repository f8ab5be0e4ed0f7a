// @ts-check
// Astro 5 + Starlight 0.37 configuration for the Teardown workbook.
// Run with ASTRO_TELEMETRY_DISABLED=1 (see package.json scripts).
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';

export default defineConfig({
	// Needed by the sitemap integration; the site is served locally and works offline.
	site: 'http://127.0.0.1:4321',
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
					// offline support once a page has loaded (public/sw.js)
					tag: 'script',
					content: "if ('serviceWorker' in navigator) addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {}));",
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
	],
	vite: {
		worker: { format: 'es' },
		optimizeDeps: { exclude: ['web-tree-sitter'] },
		build: { chunkSizeWarningLimit: 5000 },
	},
});
