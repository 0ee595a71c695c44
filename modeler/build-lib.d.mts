// Types of modeler/build-lib.mjs, for the tests and benchmarks that build the page.
export interface ModelerBuild {
  outdir: string;
  version: string;
  files: number;
  bytes: number;
  ms: number;
  /** True when an unchanged earlier build was reused (buildModelerIfChanged). */
  reused?: boolean;
}
export function buildModeler(options?: { outdir?: string; minify?: boolean }): Promise<ModelerBuild>;
export function buildModelerIfChanged(options?: { outdir?: string; minify?: boolean }): Promise<ModelerBuild>;
/** Writes beside a build what it read (`inputs`: paths from the project root) and `extra`. */
export function recordInputs(stampPath: string, inputs: string[], extra?: Record<string, unknown>): void;
/** The stamp recordInputs wrote, when every input it lists is unchanged since; else null. */
export function unchangedInputs(stampPath: string): Record<string, unknown> | null;
