/**
 * The engine's public entry for the modeler and dashboards, bundled by esbuild for the browser: nothing here may
 * reach a node: module. The modeler imports the engine only through this file and engine/model/gov-descriptor.json
 * (README, "How the code is organised"); test/repository/layering.test.ts checks it.
 */
export { executabilityFindings } from './elements/registry.js';
export { change, type DynamicMetrics, type StepFigures } from './metrics/dynamic-metrics.js';
export { changeTone, changeWords, figureDefinition, figureLabel } from './metrics/figures.js';
export {
  criticalPath,
  messageStarts,
  type StaticMetrics,
  staticMetrics,
} from './metrics/static-metrics.js';
export { dataFindings, givenByCallers } from './model/data-checks.js';
export { findingMessageZh } from './model/finding-text-zh.js';
export { type FormOption, formOptions, optionText } from './model/form-options.js';
export { parseBpmn } from './model/parse.js';
export type { Finding, FlowNode, ProcessGraph } from './model/types.js';
export { feelSyntaxProblem, parseAndValidate } from './model/validate.js';
export {
  type AttributeChange,
  diffVersions,
  type ElementChange,
  type VersionDiff,
} from './model/version-diff.js';
