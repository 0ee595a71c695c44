/** Simulation of processes on the real engine in virtual time (see README.md). */
export { type CompiledParams, compileParams, type SimulationParams } from './params.js';
export { ParamsError } from './distributions.js';
export { Random } from './random.js';
export {
  DEFAULT_START,
  type LogEntry,
  type Rating,
  type RecordedCommand,
  type SimulatedCase,
  type SimulateOptions,
  type SimulationResult,
  SimulationError,
  simulate,
} from './simulator.js';
export { formatComparison, formatSummary, type SimulationSummary, summarise } from './summary.js';
export { CSV_COLUMNS, csvHeader, csvRows, xesFooter, xesHeader, xesTrace } from './event-log.js';
