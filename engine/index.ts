/**
 * The engine's public entry for the server: everything server code may import from the engine, besides the
 * other documented entries (engine/calendar/index.ts, engine/simulate/index.ts, engine/model/gov-descriptor.json).
 * A superset of engine/browser.ts. Server code needing another engine export adds it here (README, "How the code
 * is organised"); test/repository/layering.test.ts keeps server/ and modeler/ off the engine's inner files.
 */
export type { ServiceHandler } from './elements/context.js';
export { executabilityFindings } from './elements/registry.js';
export {
  type CaseCommand,
  type CaseEvent,
  type CaseSnapshot,
  CommandRejected,
  type StepRecord,
  type Subscription,
  type TaskRecord,
  type TimerInstance,
  type Variables,
} from './elements/state.js';
export {
  applyCommandRows,
  type CaseIdentity,
  type CommandRows,
  caseRows,
  commandRows,
  eventTime,
  type HeldRows,
  ROWS_AS_WRITTEN,
  type RowKeeping,
  type SentRow,
  STEP_SEQ_PER_COMMAND,
  type StepChange,
  type StepRow,
  type SubscriptionRow,
  subscriptionChanges,
  type TaskChange,
  type TaskRow,
  type TimerRow,
} from './history/case-rows.js';
export {
  type CaseTally,
  caseWorkingMs,
  caseWorkingTime,
  countTrips,
  DEFAULT_WARN_AT,
  type FigureEvent,
  isBadRating,
  isBreach,
  isCorrection,
  isFirstTime,
  isGoodRating,
  isOnTime,
  isRedCarded,
  isTrip,
  isWarned,
  isWindowVisit,
  oneThingFigures,
  oneThingWorkingMs,
  pausesOf,
  stepWorkingMs,
  type TimedStep,
  usedShare,
  type WarningLevel,
  warningLevels,
  warningThresholdMs,
} from './metrics/case-figures.js';
export {
  type DurationHistogram,
  durationHistogram,
  HISTOGRAM_BINS,
  type HistogramSide,
  niceCeil,
} from './metrics/duration-histogram.js';
export {
  BUCKET_MS,
  type Bucket,
  type Change,
  change,
  compareFigures,
  type DepartmentRatings,
  type DynamicMetrics,
  EXACT_PERCENTILE_LIMIT,
  type FigureSource,
  percentileCont,
  percentileFromBuckets,
  type StepFigures,
} from './metrics/dynamic-metrics.js';
export {
  CSV_COLUMNS,
  csvCellValue,
  csvHeader,
  csvRows,
  type LogEvent,
  type LogTrace,
  xesFooter,
  xesHeader,
  xesTrace,
} from './metrics/event-log-format.js';
export {
  changeTone,
  changeWords,
  type DescribedChange,
  describeChange,
  type FigureDefinition,
  type FigureUnit,
  figureDefinition,
  PERSON_FIGURES,
} from './metrics/figures.js';
export { criticalPath, messageStarts, type StaticMetrics, staticMetrics } from './metrics/static-metrics.js';
export { dataFindings } from './model/data-checks.js';
export { ExpressionError, evaluateFeel } from './model/feel.js';
export { findingMessageZh } from './model/finding-text-zh.js';
export { withFlowReferences } from './model/flow-references.js';
export { type FormOption, formOptions, optionText } from './model/form-options.js';
export { formValidator } from './model/form-schema.js';
export { parseBpmn } from './model/parse.js';
export { composePools, type PoolFile, poolFiles } from './model/pool-layout.js';
export { SEMANTIC_FORM_VERSION, semanticHash, unitSemanticHash } from './model/semantic-form.js';
export {
  type Collaboration,
  type Finding,
  type FlowNode,
  isActivity,
  type MessageFlow,
  type ProcessGraph,
} from './model/types.js';
export { feelSyntaxProblem, parseAndValidate } from './model/validate.js';
export {
  type AttributeChange,
  diffVersions,
  type ElementChange,
  type VersionDiff,
} from './model/version-diff.js';
export {
  type CompiledDefinition,
  calledGraphs,
  calledInFile,
  compileDefinition,
  compileUnit,
  contentHash,
  type DefinitionSource,
  definitionSet,
} from './runtime/definition.js';
export { execute, raiseIncident } from './runtime/execute.js';
export { type RunBudget, RunBudgetExceeded } from './runtime/run-budget.js';
