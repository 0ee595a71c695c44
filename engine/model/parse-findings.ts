/**
 * What the BPMN reader says about a document, as findings: each located at its line and column in the XML
 * and naming what is wrong and the fix. moddle's import warnings (unresolved references, unknown attributes and
 * elements, duplicate ids), values of gov attributes moddle would coerce silently, and unreadable documents.
 * The graph itself is built in build-graph.ts; parse.ts runs both.
 */

import { localName } from './build-graph.js';
import govDescriptor from './gov-descriptor.json' with { type: 'json' };
import type { Finding } from './types.js';

/** A moddle element: untyped. */
type Element = any;

/** Moddle warnings turned into located findings; the rest are only counted. */
const MAX_WARNINGS = 100;

/** Line and column from a moddle/saxes message ("line: 3\n\tcolumn: 14", both counted from 0). */
function position(message: string): { line?: number; column?: number } {
  const line = /line: (\d+)/.exec(message);
  const column = /column: (\d+)/.exec(message);
  return {
    ...(line ? { line: Number(line[1]) + 1 } : {}),
    ...(column ? { column: Number(column[1]) + 1 } : {}),
  };
}

const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const GOV_NS = govDescriptor.uri;

/** The XML text a warning is located in: namespace prefixes and line starts. */
export interface Source {
  xml: string;
  /** prefix (`''` for the default namespace) → namespace URI, as declared anywhere in the document. */
  namespaces: Map<string, string>;
  lineStarts: number[];
}

export function sourceOf(xml: string): Source {
  const namespaces = new Map<string, string>();
  for (const m of xml.matchAll(/\sxmlns(?::([\w.-]+))?\s*=\s*(["'])(.*?)\2/g)) {
    if (!namespaces.has(m[1] ?? '')) namespaces.set(m[1] ?? '', m[3]);
  }
  const lineStarts = [0];
  for (let i = xml.indexOf('\n'); i >= 0; i = xml.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return { xml, namespaces, lineStarts };
}

/** 1-based line and column of a character index. */
function lineColumn(source: Source, index: number): { line: number; column: number } {
  let lo = 0;
  let hi = source.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (source.lineStarts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - source.lineStarts[lo] + 1 };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Index of the start tag of the element with this id, or -1. */
function elementIndex(source: Source, id: string | undefined): number {
  if (!id) return -1;
  const m = new RegExp(`\\sid\\s*=\\s*(["'])${escapeRegExp(id)}\\1`).exec(source.xml);
  return m ? source.xml.lastIndexOf('<', m.index) : -1;
}

/** Where `text` occurs as an attribute value or as element text at or after `from`; else `from`. */
function textIndex(source: Source, from: number, text: string): number {
  const re = new RegExp(`(["'])\\s*${escapeRegExp(text)}\\s*\\1|>\\s*${escapeRegExp(text)}\\s*<`, 'g');
  re.lastIndex = Math.max(from, 0);
  const m = re.exec(source.xml);
  return m ? m.index + 1 : from;
}

const located = (source: Source, index: number): { line?: number; column?: number } =>
  index >= 0 ? lineColumn(source, index) : {};

/** The namespace of a prefixed XML name (`x:foo`), the default namespace for an unprefixed one. */
function namespaceOf(source: Source, qname: string): string | undefined {
  const i = qname.indexOf(':');
  return source.namespaces.get(i >= 0 ? qname.slice(0, i) : '');
}

const label = (element: Element): string =>
  element?.$type ? `${localName(element.$type)} '${element.id ?? '(no id)'}'` : 'an element';

/** gov properties by name: their type and the BPMN types they extend. */
const GOV_ATTRIBUTES = new Map<string, { type: string; on: string[] }>();
/** Attributes of gov elements (gov:material …) by element local name. */
const GOV_ELEMENT_ATTRIBUTES = new Map<string, Map<string, string>>();
for (const type of govDescriptor.types as {
  name: string;
  extends?: string[];
  properties: { name: string; type: string; isAttr?: boolean }[];
}[]) {
  // moddle qualifies the names of a registered descriptor in place (serviceCode → gov:serviceCode)
  const unqualified = (name: string): string => name.slice(name.indexOf(':') + 1);
  if (type.extends) {
    for (const property of type.properties) {
      const name = unqualified(property.name);
      GOV_ATTRIBUTES.set(name, {
        type: property.type,
        on: [...(GOV_ATTRIBUTES.get(name)?.on ?? []), ...type.extends],
      });
    }
  } else {
    const name = unqualified(type.name).charAt(0).toLowerCase() + unqualified(type.name).slice(1);
    const attributes = type.properties
      .filter((p) => p.isAttr)
      .map((p): [string, string] => [unqualified(p.name), p.type]);
    GOV_ELEMENT_ATTRIBUTES.set(name, new Map(attributes));
  }
}
const GOV_ELEMENTS = [...GOV_ELEMENT_ATTRIBUTES.keys()].map((name) => `gov:${name}`);

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length];
}

/** The candidate nearest to `name` (fewer than 3 edits, case ignored), or null. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let distance = 3;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < distance) [best, distance] = [candidate, d];
  }
  return best;
}

/** The value of attribute `name` in the start tag at `index`. */
function attributeAt(source: Source, index: number, name: string): string | null {
  const tag = /^<[^\s/>]+((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)/.exec(
    source.xml.slice(index, index + 4000),
  );
  if (!tag) return null;
  const m = new RegExp(`\\s${escapeRegExp(name)}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag[1]);
  return m ? (m[1] ?? m[2]) : null;
}

/** A moddle import warning. */
interface Warning {
  message: string;
  element?: Element;
  property?: string;
}

/**
 * A moddle import warning as a finding: the element, the line, what is wrong and the fix. Each reader below
 * answers undefined for a warning that is not its kind; null drops the warning.
 */
function warningFinding(warning: Warning, source: Source): Finding | null {
  const encoding = encodingFinding(warning, source);
  if (encoding !== undefined) return encoding; // null: a harmless declaration, dropped
  return (
    unresolvedReferenceFinding(warning, source) ??
    unknownAttributeFinding(warning, source) ??
    contentFinding(warning, source)
  );
}

/** A declared encoding other than UTF-8: harmless when the text reads the same, else the characters broken. */
function encodingFinding(warning: Warning, source: Source): Finding | null | undefined {
  const message = warning.message.split('\n')[0];
  const encoding = /unsupported document encoding <([^>]*)>/.exec(message);
  if (!encoding) return undefined;
  // moddle reads the text it is given; the declaration only matters if the bytes were decoded wrongly
  const broken = source.xml.indexOf('\uFFFD');
  const nonAscii = source.xml.search(/[\u0080-\uFFFF]/);
  if (broken < 0 && nonAscii < 0) return null; // plain ASCII reads the same in every ASCII-based encoding
  return {
    elementId: null,
    type: 'unsupportedEncoding',
    severity: broken >= 0 ? 'error' : 'warning',
    message:
      broken >= 0
        ? `the document declares encoding ${encoding[1]} and holds characters that were not decoded (first at line ${lineColumn(source, broken).line}): save the file as UTF-8 with encoding="UTF-8"`
        : `the document declares encoding ${encoding[1]}, which Reflow does not read: its text was taken as already decoded (non-ASCII text first at line ${lineColumn(source, nonAscii).line}); check it and save the file as UTF-8 with encoding="UTF-8"`,
    ...located(source, broken >= 0 ? broken : nonAscii),
  };
}

/** A reference to an element not in the document: a data type, another document's element, or a dangling id. */
function unresolvedReferenceFinding(warning: Warning, source: Source): Finding | undefined {
  const message = warning.message.split('\n')[0];
  const element = warning.element;
  const unresolved = /unresolved reference <([^>]*)>/.exec(message);
  if (!unresolved) return undefined;
  const ref = unresolved[1];
  const property = warning.property ? localName(warning.property) : 'a reference';
  const at = located(source, textIndex(source, elementIndex(source, element?.id), ref));
  const namespace = ref.includes(':') ? namespaceOf(source, ref) : undefined;
  if (property === 'structureRef') {
    // a data type (xsd:string, or the bare 'String' many tools write): Reflow's variables are JSON and
    // are typed by gov:form, so the type is not needed to run — kept as a warning, not dropped
    return {
      elementId: element?.id ?? null,
      type: 'externalReference',
      severity: 'warning',
      message: `${label(element)} names the data type '${ref}' in structureRef, which is not defined in this document: Reflow does not check it (variables are JSON; type them with gov:form)`,
      ...at,
    };
  }
  if (namespace && namespace !== BPMN_NS && namespace !== GOV_NS) {
    return {
      elementId: element?.id ?? null,
      type: 'externalReference',
      severity: 'warning',
      message: `${label(element)} refers in ${property} to '${ref}' of namespace ${namespace}, which is not in this document: Reflow does not read other documents, so the reference is left empty; define the element here if the process needs it`,
      ...at,
    };
  }
  return {
    elementId: element?.id ?? null,
    type: 'unresolvedReference',
    severity: 'error',
    message: `${label(element)} refers in ${property} to '${ref}', which does not exist: fix the reference or add the element`,
    ...at,
  };
}

/** An attribute not defined for its element: misspelt, or a gov attribute on the wrong element. */
function unknownAttributeFinding(warning: Warning, source: Source): Finding | undefined {
  const message = warning.message.split('\n')[0];
  const element = warning.element;
  const attribute = /unknown attribute <([^>]*)>/.exec(message);
  if (!attribute) return undefined;
  const name = attribute[1];
  const index = elementIndex(source, element?.id);
  const attributeIndex = index >= 0 ? source.xml.indexOf(name, index) : -1;
  let fix = 'remove it or correct its spelling';
  if (namespaceOf(source, name) === GOV_NS) {
    const local = name.slice(name.indexOf(':') + 1);
    const known = GOV_ATTRIBUTES.get(local);
    const suggestion = closest(local, GOV_ATTRIBUTES.keys());
    fix = known
      ? `gov:${local} applies to ${known.on.map((t) => localName(t)).join(', ')} only: remove it from this element`
      : suggestion
        ? `correct its spelling (gov:${suggestion}?)`
        : `remove it (Reflow's attributes: ${[...GOV_ATTRIBUTES.keys()].map((k) => `gov:${k}`).join(', ')})`;
  }
  return {
    elementId: element?.id ?? null,
    type: 'unknownAttribute',
    severity: 'error',
    message: `${label(element)} has attribute ${name}, which is not defined for it and is not read: ${fix}`,
    ...located(source, attributeIndex >= 0 ? attributeIndex : index),
  };
}

/** Content moddle could not read: a duplicate id, an element out of place or unknown, stray text. */
function contentFinding(warning: Warning, source: Source): Finding {
  const message = warning.message.split('\n')[0];
  const at = position(warning.message);
  const index = at.line !== undefined ? (source.lineStarts[at.line - 1] ?? 0) + (at.column ?? 1) - 1 : -1;
  const tag = index >= 0 ? /^<([^\s/>]+)/.exec(source.xml.slice(index, index + 300))?.[1] : undefined;
  const id = tag && index >= 0 ? attributeAt(source, index, 'id') : null;
  const where = `${tag ? `<${tag}>` : 'content'}${id ? ` '${id}'` : ''} at line ${at.line ?? '?'}, column ${at.column ?? '?'}`;

  const duplicate = /duplicate ID <([^>]*)>/.exec(warning.message);
  if (duplicate) {
    return {
      elementId: duplicate[1],
      type: 'duplicateId',
      severity: 'error',
      message: `id '${duplicate[1]}' is used by more than one element; ${where} was not read: give each element its own id`,
      ...at,
    };
  }
  const nested = /nested error: (.*)/.exec(warning.message)?.[1] ?? message;
  let explanation = `could not be read (${nested})`;
  let fix = 'correct it or remove it';
  const unrecognized = /unrecognized element <([^>]*)>/.exec(nested);
  const unknownType = /unknown type <([^>]*)>/.exec(nested);
  const text = /unexpected body text <([\s\S]*)>/.exec(nested);
  if (unrecognized) {
    const namespace = namespaceOf(source, unrecognized[1]);
    if (namespace && namespace !== BPMN_NS && namespace !== GOV_NS) {
      explanation = `is content of namespace ${namespace} outside bpmn:extensionElements, where BPMN allows no extension elements, and was not read`;
      fix = 'move it into the <bpmn:extensionElements> of its element, or remove it';
    } else {
      explanation = `is not allowed at this place and was not read`;
      fix = 'move it to where BPMN allows it, or remove it';
    }
  } else if (unknownType) {
    const namespace = namespaceOf(source, tag ?? unknownType[1]);
    if (namespace === GOV_NS) {
      const suggestion = closest(tag?.slice(tag.indexOf(':') + 1) ?? '', GOV_ELEMENT_ATTRIBUTES.keys());
      explanation = `is not one of Reflow's extension elements (${GOV_ELEMENTS.join(', ')}) and was not read`;
      fix = suggestion ? `correct its spelling (gov:${suggestion}?)` : 'remove it';
    } else {
      explanation = `is not a ${namespace === BPMN_NS ? 'BPMN 2.0 ' : ''}element type (${nested}) and was not read`;
      fix = 'correct its spelling or remove it';
    }
  } else if (text) {
    explanation = `has text '${text[1].trim().slice(0, 40)}' where none is allowed; it was not read`;
    fix = 'remove the text';
  }
  return {
    elementId: id,
    type: 'unparsableContent',
    severity: 'error',
    message: `${text ? `the element at line ${at.line ?? '?'}, column ${at.column ?? '?'}` : where} ${explanation}: ${fix}`,
    ...at,
  };
}

/**
 * moddle coerces attribute values without complaint (`gov:timeLimit="5天"` reads 5, `gov:inPerson="1"` reads
 * false): every typed gov attribute is checked against its raw text here.
 */
export function attributeValueFindings(source: Source): Finding[] {
  const findings: Finding[] = [];
  const tags = /<([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
  let owner: string | null = null;
  for (const tag of source.xml.matchAll(tags)) {
    const tagNamespace = namespaceOf(source, tag[1]);
    const tagLocal = tag[1].slice(tag[1].indexOf(':') + 1);
    const attributes = [...tag[2].matchAll(/\s([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)];
    const id = attributes.find((a) => a[1] === 'id');
    if (tagNamespace === BPMN_NS && id) owner = id[2] ?? id[3];
    for (const attribute of attributes) {
      const name = attribute[1];
      const value = attribute[2] ?? attribute[3];
      let type: string | undefined;
      if (name.includes(':') && namespaceOf(source, name) === GOV_NS) {
        type = GOV_ATTRIBUTES.get(name.slice(name.indexOf(':') + 1))?.type;
      } else if (!name.includes(':') && tagNamespace === GOV_NS) {
        type = GOV_ELEMENT_ATTRIBUTES.get(tagLocal)?.get(name);
      }
      const valid =
        type === 'Real'
          ? /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)
          : type === 'Boolean'
            ? value === 'true' || value === 'false'
            : true;
      if (valid) continue;
      const elementId = tagNamespace === BPMN_NS && id ? (id[2] ?? id[3]) : owner;
      findings.push({
        elementId,
        type: 'invalidAttributeValue',
        severity: 'error',
        message: `${name}="${value}" on <${tag[1]}>${elementId ? ` of '${elementId}'` : ''} is not ${type === 'Real' ? 'a number' : 'true or false'}: write ${type !== 'Real' ? 'true or false' : name.endsWith('warnAt') ? 'a plain share of the time limit, e.g. 0.8' : 'a plain number of working days, e.g. 5 or 2.5'}`,
        ...lineColumn(source, (tag.index ?? 0) + tag[0].indexOf(attribute[0]) + 1),
      });
    }
  }
  return findings;
}

/** The finding for a document that cannot be read at all. */
export function malformedFinding(error: string): Finding {
  const at = position(error);
  const nested = /nested error: (.*)/.exec(error)?.[1];
  const content = /unparsable content (.*?) ?detected/.exec(error)?.[1];
  const where = at.line !== undefined ? ` at line ${at.line}, column ${at.column}` : '';
  let message: string;
  if (/failed to parse document as/.test(error)) {
    message = `the document's root element is not <definitions> of namespace ${BPMN_NS}: export the diagram as BPMN 2.0 XML`;
  } else if (nested) {
    message = `the XML cannot be read: ${nested}${content ? ` near ${content}` : ''}${where}: correct the XML there`;
  } else {
    message = `the XML cannot be read: ${error.split('\n')[0]}${where}`;
  }
  return { elementId: null, type: 'malformedXml', severity: 'error', message, ...at };
}

/**
 * moddle's import warnings as findings: each located by searching the document. A document with thousands of
 * them (60,000 unknown attributes fit in a megabyte) would take minutes, so past MAX_WARNINGS the rest are
 * counted, not located.
 */
export function readerFindings(warnings: readonly Element[], source: Source): Finding[] {
  const findings: Finding[] = [];
  for (const warning of warnings.slice(0, MAX_WARNINGS)) {
    const finding = warningFinding(warning, source);
    if (finding) findings.push(finding);
  }
  if (warnings.length > MAX_WARNINGS) {
    findings.push({
      elementId: null,
      type: 'tooManyProblems',
      severity: 'error',
      message: `the document has ${warnings.length} problems; the first ${MAX_WARNINGS} are listed, ${warnings.length - MAX_WARNINGS} more are not: fix these first`,
    });
  }
  return findings;
}
