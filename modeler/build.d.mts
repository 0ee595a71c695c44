// Types of modeler/build.mjs, for the tests and benchmarks that build the page.
import type { ModelerBuild } from './build-lib.mjs';
export type { ModelerBuild };
/** The build that importing this module ran. */
export const built: ModelerBuild;
