/** @teardown/grader/node: the CLI and loading exercises from the file system. */
export { main } from './cli.js';
export { loadExercise, findExerciseDir, bundledExercises, readTree } from './exercise/node.js';
export { checkExercise, modelFindingsFile } from './exercise/selftest.js';
export { generateClass, type GeneratedSubmission } from './batch/generate.js';
