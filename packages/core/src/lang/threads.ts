/**
 * The thread naming rule of programs and scenarios: a function
 * `thread_<name>` (with a body) runs as a thread whose task name is
 * `<name>`: the name reports print ("by task reader"), trace tables head
 * their columns with, and schedule tokens letter in declaration order.
 * `teardown check` (check.ts, programScenario) and grading (the grader's
 * scenarioSpec) both find threads through this function.
 */

/** The task name of thread function `fn` (`thread_reader` gives `reader`), or undefined when `fn` is not one. */
export function threadTaskName(fn: string): string | undefined {
  return /^thread_(\w+)$/.exec(fn)?.[1];
}
