/** Play the scheduler: the learner picks the interleaving (session.ts), goals of challenges (goal.ts). */
export { PlaySession, PlayStrategy, MAX_RUN_TO_CODE, type PlayView, type PlayOptions } from './session.js';
export { playThreads, pendingStack, type PlayThread, type ThreadStatus } from './threads.js';
export { type PlayGoal, goalMet, playScore, type PlayScore } from './goal.js';
