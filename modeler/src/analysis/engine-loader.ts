/**
 * The engine's code (parser, validator, metrics — a third of the page's script) is fetched and run once the
 * page is up rather than before it, so the modeler draws first; the live validation awaits it.
 */
type DiagramAnalysisModule = typeof import('./diagram-analysis.js');

let loaded: DiagramAnalysisModule | null = null;

export const engineAnalysis: Promise<DiagramAnalysisModule> = import('./diagram-analysis.js').then(
  (module) => {
    loaded = module;
    return module;
  },
);

/**
 * The engine's FEEL syntax check, for a properties panel field; null until the engine is loaded (a few
 * milliseconds after the page), after which the live validation reports what was typed meanwhile anyway.
 */
export function feelSyntaxProblem(expression: string): string | null {
  return loaded ? loaded.feelSyntaxProblem(expression) : null;
}
