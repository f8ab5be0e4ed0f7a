/**
 * The repository's exercises, bundled into the site as text: the grading
 * worker parses them with @teardown/grader's parseExercise, exactly as the
 * CLI does from a folder.
 */
const raw = import.meta.glob('../../../../exercises/*/**/*.{c,h,json,md}', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Files of each exercise, by exercise id, then by path relative to the exercise folder. */
export const EXERCISE_FILES: Record<string, Record<string, string>> = {};
for (const [path, text] of Object.entries(raw)) {
  const m = /exercises\/([^/]+)\/(.+)$/.exec(path);
  if (!m) continue;
  (EXERCISE_FILES[m[1]!] ??= {})[m[2]!] = text;
}
