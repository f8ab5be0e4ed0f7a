/**
 * The results formats of `autograder run`, apart from the runner so that the
 * CLI registers the command without loading it (commands/autograder.ts).
 */
export const RUN_FORMATS = ['gradescope', 'prairielearn', 'json', 'github-classroom'] as const;

/** One of RUN_FORMATS. */
export type RunFormat = (typeof RUN_FORMATS)[number];
