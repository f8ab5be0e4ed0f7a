/** The file name a learner's code has in reports and traces (shared by the page and the grading worker). */
export const SUBMISSION = 'submission.c';
