/** Simulation of processes on the real engine in virtual time (see README.md). */

export { ParamsError } from './distributions.js';
export { CSV_COLUMNS, csvHeader, csvRows, xesFooter, xesHeader, xesTrace } from './event-log.js';
export { type CompiledParams, compileParams, type SimulationParams } from './params.js';
export { Random } from './random.js';
export { simulate } from './simulator.js';
export { formatComparison, formatSummary, type SimulationSummary, summarise } from './summary.js';
export {
  DEFAULT_START,
  type ExplicitArrival,
  type LogEntry,
  type Rating,
  type RecordedCommand,
  type SentMessageRecord,
  type SimulatedCase,
  type SimulateOptions,
  SimulationError,
  type SimulationResult,
} from './types.js';
