// Types of modeler/build.mjs, for the tests and benchmarks that build the page.
export interface ModelerBuild {
  outdir: string;
  version: string;
  files: number;
  bytes: number;
  ms: number;
}
export function buildModeler(options?: { outdir?: string; minify?: boolean }): Promise<ModelerBuild>;
/** The build that importing this module ran. */
export const built: ModelerBuild;
