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
