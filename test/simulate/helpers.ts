// Shared by the simulation tests: the sample processes and their parameter files, compiled in memory.
import { readFileSync } from 'node:fs';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { type CompiledDefinition, compileDefinition } from '../../engine/runtime/definition.js';
import { type CompiledParams, compileParams, type SimulationParams } from '../../engine/simulate/index.js';

export const calendar = getDefaultCalendar();
export const HOURS_PER_DAY = calendar.msPerWorkingDay / 3_600_000;
const dir = new URL('../../processes/', import.meta.url);

export const readSample = (name: string): { xml: string; params: SimulationParams } => ({
  xml: readFileSync(new URL(`${name}.bpmn`, dir), 'utf8'),
  params: JSON.parse(readFileSync(new URL(`${name}.sim.json`, dir), 'utf8')) as SimulationParams,
});

export async function compile(xml: string, version = 1): Promise<CompiledDefinition> {
  const result = await compileDefinition(xml, { version });
  if (!result.ok) throw new Error(`does not compile: ${JSON.stringify(result.findings)}`);
  return { ...result.definition, id: `${result.definition.key}:${version}` };
}

/** A sample's definition and its compiled parameters (`edit` may change the JSON first). */
export async function sample(
  name: string,
  version = 1,
  edit?: (p: SimulationParams) => void,
): Promise<{ definition: CompiledDefinition; params: CompiledParams; raw: SimulationParams }> {
  const { xml, params } = readSample(name);
  edit?.(params);
  const definition = await compile(xml, version);
  return {
    definition,
    params: compileParams(params, definition, { hoursPerDay: HOURS_PER_DAY }),
    raw: params,
  };
}
