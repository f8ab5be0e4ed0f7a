/**
 * @teardown/grader: exercises, grading, scoring and reports. This entry is
 * browser-safe (no Node APIs): the workbook's grading worker uses it. The
 * CLI and the file-system loaders are in `@teardown/grader/node`.
 */
export {
  parseExercise,
  scenarioId,
  ExerciseError,
  type Exercise,
  type ExerciseManifest,
  type Scenario,
  type ScenarioManifest,
  type KnownBadManifest,
  type ChallengeManifest,
} from './exercise/manifest.js';
export { playScenario, playChallenge, exerciseChallenges, type PlaySetup } from './exercise/challenge.js';
export {
  grade,
  gradePart,
  mergeParts,
  selectedScenarios,
  portableOptions,
  gradingFiles,
  scenarioSpec,
  referenceModelFindings,
  GRADE_REPORT_VERSION,
  type GradeReport,
  type GradeOptions,
  type GradeCompile,
  type GradePart,
  type GradeRunner,
  type PortableGradeOptions,
  type GradeProgress,
  type ScenarioResult,
  type GradedFinding,
  type SubmissionFile,
} from './grade/grade.js';
export { charged, groupFindings } from './grade/attribution.js';
export { renderText, renderScenarioText, type TextOptions } from './render/text.js';
export { renderGradescope, type GradescopeResults } from './render/gradescope.js';
export { renderClassroom, classroomResult } from './render/classroom.js';
export { renderJunit } from './render/junit.js';
export {
  parseUpstream,
  upstreamExercise,
  runUpstreamFinding,
  reproducerId,
  UpstreamError,
  type UpstreamManifest,
  type UpstreamFindingManifest,
  type UpstreamResult,
  type UpstreamRun,
} from './upstream/findings.js';
