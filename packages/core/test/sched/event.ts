/** A scheduler event for tests: thread `tid` reading and writing the given locations, nothing else. */
import type { Event } from '../../src/sched/events.js';

export function plainEvent(tid: number, reads: number[], writes: number[]): Event {
  return {
    tid,
    reads,
    writes,
    adds: [],
    plain: [],
    acq: -1,
    acqTry: false,
    acqShared: false,
    noRace: false,
    release: false,
    resume: false,
    global: false,
  };
}
