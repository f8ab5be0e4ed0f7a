/** @teardown/grader: exercises, scenario runs, scoring, reports and the CLI. */
export { main } from './cli.js';
