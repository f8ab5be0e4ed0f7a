/**
 * The repository's upstream findings (upstream/: findings.json and the
 * reproducer scenarios), bundled into the site as text, as bundle.ts does
 * for the exercises: the worker parses them with @teardown/grader's
 * parseUpstream, exactly as `teardown upstream` does from the folder.
 */
const raw = import.meta.glob('../../../../upstream/**/*.{c,h,json}', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** The upstream folder's files, by path relative to it. */
export const UPSTREAM_FILES: Record<string, string> = {};
for (const [path, text] of Object.entries(raw)) {
  const m = /upstream\/(.+)$/.exec(path);
  if (m) UPSTREAM_FILES[m[1]!] = text;
}

/** The exercise id under which the worker runs the upstream reproducers. */
export const UPSTREAM_EXERCISE = 'upstream';
