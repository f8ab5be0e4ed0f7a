/** The thread naming rule that `teardown check` and grading share. */
import { describe, expect, it } from 'vitest';
import { threadTaskName } from '../../src/lang/threads.js';

describe('threadTaskName', () => {
  it('names the task of a thread_<name> function and nothing else', () => {
    expect(threadTaskName('thread_reader')).toBe('reader');
    expect(threadTaskName('thread_w1')).toBe('w1');
    expect(threadTaskName('thread_')).toBeUndefined();
    expect(threadTaskName('setup')).toBeUndefined();
    expect(threadTaskName('my_thread_a')).toBeUndefined();
  });
});
