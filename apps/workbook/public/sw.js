/*
 * Offline from the first visit. At install this worker caches every file of
 * the site (self.__PRECACHE, written into the built copy by
 * integrations/precache.mjs: pages, scripts, styles, the editor, the grading
 * worker, the wasm files, the search index), so a page never opened online
 * opens offline too. Precached files are answered from the cache; anything
 * else from the network when there is one (and cached), else from the cache.
 * A new build has a new list and version: the new worker caches it and
 * deletes the old cache.
 */
self.__PRECACHE = [];
self.__VERSION = 'dev';
const CACHE = `teardown-${self.__VERSION}`;
const scope = new URL(self.registration.scope);
/** Precached URLs by path (a query string never changes a static file). */
const PRECACHED = new Set(self.__PRECACHE.map((e) => new URL(e.url, scope.origin).pathname));

self.addEventListener('install', (event) => {
	event.waitUntil(
		(async () => {
			const cache = await caches.open(CACHE);
			// `reload`: not the HTTP cache's copy, which may be older than this list
			await cache.addAll(self.__PRECACHE.map((e) => new Request(e.url, { cache: 'reload' })));
			await self.skipWaiting();
		})(),
	);
});

self.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) if (key.startsWith('teardown-') && key !== CACHE) await caches.delete(key);
			await self.clients.claim();
		})(),
	);
});

self.addEventListener('fetch', (event) => {
	const req = event.request;
	const url = new URL(req.url);
	if (req.method !== 'GET' || url.origin !== self.location.origin) return;
	event.respondWith(
		(async () => {
			const cache = await caches.open(CACHE);
			if (PRECACHED.has(url.pathname)) {
				const hit = await cache.match(url.pathname);
				if (hit) return hit;
			}
			try {
				const res = await fetch(req);
				if (res.ok && res.type === 'basic') await cache.put(req, res.clone());
				return res;
			} catch (err) {
				const hit = await cache.match(req, { ignoreSearch: true });
				if (hit) return hit;
				throw err;
			}
		})(),
	);
});
