// Checks an XES document: against the IEEE 1849-2016 schema with xmllint when the machine has it, and always
// structurally with saxes (the order of log children, keys and typed values) — the fallback when xmllint is absent.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';

const XSD = new URL('./fixtures/xes-ieee-1849-2016.xsd', import.meta.url).pathname;
const DATE_TIME = /^-?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** xmllint's verdict: null when xmllint is not installed. */
export function validateWithXmllint(xml: string): { ok: boolean; output: string } | null {
  if (spawnSync('xmllint', ['--version']).error) return null;
  const file = join(tmpdir(), `reflow-xes-${process.pid}-${Date.now()}.xes`);
  writeFileSync(file, xml);
  const run = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Structural problems found by reading the document with saxes (empty when it looks like valid XES). */
export function structuralProblems(xml: string): string[] {
  const problems: string[] = [];
  const parser = new SaxesParser({ xmlns: true, position: true });
  const LOG_ORDER = ['extension', 'global', 'classifier', 'attribute', 'trace', 'event'];
  const TYPES = new Set(['string', 'date', 'int', 'float', 'boolean', 'id', 'list']);
  const stack: string[] = [];
  let logStage = 0;
  let traceKeys = new Set<string>();
  let eventKeys = new Set<string>();
  parser.on('error', (e) => problems.push(e.message));
  parser.on('opentag', (tag) => {
    const name = tag.local;
    const parent = stack[stack.length - 1];
    if (stack.length === 0) {
      if (name !== 'log') problems.push(`root is <${name}>`);
      if (tag.uri !== 'http://www.xes-standard.org/') problems.push(`log namespace is '${tag.uri}'`);
      if (!/^\d+(\.\d+)?$/.test(String(tag.attributes['xes.version']?.value ?? '')))
        problems.push('xes.version is not a decimal');
    } else if (parent === 'log') {
      const stage = LOG_ORDER.indexOf(TYPES.has(name) ? 'attribute' : name);
      if (stage < 0) problems.push(`unexpected <${name}> in <log>`);
      else if (stage < logStage) problems.push(`<${name}> after a later part of <log> (line ${parser.line})`);
      logStage = Math.max(logStage, stage);
    }
    if (name === 'trace') traceKeys = new Set();
    if (name === 'event') eventKeys = new Set();
    if (TYPES.has(name)) {
      const key = tag.attributes.key?.value;
      const value = tag.attributes.value?.value;
      if (!key) problems.push(`<${name}> without key (line ${parser.line})`);
      if (name !== 'list' && value === undefined) problems.push(`<${name} key="${key}"> without value`);
      if (name === 'date' && !DATE_TIME.test(String(value)))
        problems.push(`date '${value}' is not an xs:dateTime (line ${parser.line})`);
      if (parent === 'trace') traceKeys.add(String(key));
      if (parent === 'event') eventKeys.add(String(key));
    }
    stack.push(name);
  });
  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.local === 'trace' && !traceKeys.has('concept:name'))
      problems.push(`a trace without concept:name (line ${parser.line})`);
    if (tag.local === 'event') {
      for (const key of ['concept:name', 'time:timestamp', 'lifecycle:transition'])
        if (!eventKeys.has(key)) problems.push(`an event without ${key} (line ${parser.line})`);
    }
  });
  parser.write(xml).close();
  return problems;
}
