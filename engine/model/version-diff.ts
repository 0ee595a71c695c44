/**
 * What changed between two versions of a process, for the people who approve the change: per element and
 * attribute ("承诺时限 20 → 5", "条件 … → …", "部门 A → B", rewired flows, materials added/removed, forms), found by
 * bpmn-js-differ over the two bpmn-moddle trees; layout-only changes are listed apart. Pure: no node: module (the
 * modeler uses it through engine/browser.ts).
 */
import { diff } from 'bpmn-js-differ';
import { reflowModdle } from './parse.js';

export type ElementChangeKind = 'added' | 'removed' | 'changed';

export interface AttributeChange {
  attribute: string;
  /** 中文 / English. */
  label: string;
  before: unknown;
  after: unknown;
  /** For lists (materials): the entries only the after / only the before version has. */
  added?: unknown[];
  removed?: unknown[];
}

export interface ElementChange {
  elementId: string;
  name: string | null;
  type: string;
  change: ElementChangeKind;
  attributes: AttributeChange[];
}

export interface VersionDiff {
  elements: ElementChange[];
  /** Elements whose diagram position or shape moved while their meaning stayed. */
  layoutChanged: string[];
}

interface Aspect {
  label: string;
  read: (el: any) => unknown;
}

const ref = (value: any): string | null => (value && typeof value === 'object' ? (value.id ?? null) : null);
const extension = (el: any, type: string): any =>
  (el?.extensionElements?.values ?? []).find((v: any) => v.$type === type);
const body = (expression: any): string | null =>
  expression && typeof expression === 'object' ? (expression.body ?? null) : null;
const materialName = (m: any): string => (m.name ? `${m.name}（${m.id}）` : String(m.id));

/** The attributes shown, in this order; each read from the moddle element (null when absent). */
const ASPECTS: Record<string, Aspect> = {
  name: { label: '名称 / name', read: (el) => el.name ?? null },
  timeLimit: { label: '承诺时限（工作日）/ time limit (working days)', read: (el) => el.timeLimit ?? null },
  statutoryLimit: {
    label: '法定时限（工作日）/ statutory limit (working days)',
    read: (el) => el.statutoryLimit ?? null,
  },
  department: { label: '部门 / department', read: (el) => el.department ?? null },
  inPerson: { label: '现场办理（跑动）/ in person (a trip)', read: (el) => el.inPerson ?? null },
  correction: { label: '补正 / correction', read: (el) => el.correction ?? null },
  pausesClock: { label: '暂停计时 / pauses the clock', read: (el) => el.pausesClock ?? null },
  serviceCode: { label: '事项编码 / service code', read: (el) => el.serviceCode ?? null },
  conditionExpression: { label: '条件 / condition', read: (el) => body(el.conditionExpression) },
  sourceRef: { label: '来源环节 / from', read: (el) => ref(el.sourceRef) },
  targetRef: { label: '去向环节 / to', read: (el) => ref(el.targetRef) },
  default: { label: '默认分支 / default flow', read: (el) => ref(el.default) },
  materials: {
    label: '材料 / materials',
    read: (el) => {
      const list = extension(el, 'gov:Materials')?.materials;
      return list ? list.map(materialName) : null;
    },
  },
  form: { label: '表单 / form', read: (el) => extension(el, 'gov:Form')?.schema?.trim() ?? null },
  handler: { label: '服务处理程序 / service handler', read: (el) => el.handler ?? null },
  script: { label: '脚本 / script', read: (el) => el.script ?? null },
  resultVariable: { label: '结果变量 / result variable', read: (el) => el.resultVariable ?? null },
  calledElement: { label: '调用的流程 / called process', read: (el) => el.calledElement ?? null },
  loop: {
    label: '多实例集合 / multi-instance collection',
    read: (el) => el.loopCharacteristics?.collection ?? null,
  },
  timer: {
    label: '定时 / timer',
    read: (el) => {
      const t = (el.eventDefinitions ?? []).find((d: any) => d.$type === 'bpmn:TimerEventDefinition');
      if (!t) return null;
      return body(t.timeDuration) ?? body(t.timeDate) ?? body(t.timeCycle) ?? t.workingDays ?? null;
    },
  },
  messageRef: {
    label: '消息 / message',
    read: (el) => {
      const m = (el.eventDefinitions ?? []).find((d: any) => d.messageRef)?.messageRef ?? el.messageRef;
      return m ? (m.name ?? m.id) : null;
    },
  },
  correlationKey: { label: '关联键 / correlation key', read: (el) => el.correlationKey ?? null },
};

/** A moddle value as text: an element by its id, an expression by its body (moddle objects are cyclic). */
const plain = (value: any): string | null => {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map((v) => plain(v)).join(', ');
  return value.id ?? value.body ?? value.$type ?? null;
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Every shown attribute that differs between the two versions of one element. */
function attributeChanges(before: any, after: any): AttributeChange[] {
  const changes: AttributeChange[] = [];
  for (const [attribute, aspect] of Object.entries(ASPECTS)) {
    const b = before ? aspect.read(before) : null;
    const a = after ? aspect.read(after) : null;
    if (same(a, b)) continue;
    const entry: AttributeChange = { attribute, label: aspect.label, before: b, after: a };
    if (attribute === 'materials') {
      const bl = (b as string[] | null) ?? [];
      const al = (a as string[] | null) ?? [];
      entry.added = al.filter((m) => !bl.includes(m));
      entry.removed = bl.filter((m) => !al.includes(m));
    }
    changes.push(entry);
  }
  return changes;
}

/** The process an element belongs to (its nearest bpmn:Process ancestor, or itself). */
function processOf(el: any): string | null {
  for (let node = el; node; node = node.$parent) if (node.$type === 'bpmn:Process') return node.id;
  return null;
}

/** Elements with an id, by id, in document order (the flow elements of every process, processes, messages). */
function elementsById(definitions: any): Map<string, any> {
  const found = new Map<string, any>();
  const visit = (el: any): void => {
    if (!el || typeof el !== 'object' || !el.$type) return;
    if (el.$type.startsWith('bpmndi:') || el.$type.startsWith('dc:') || el.$type.startsWith('di:')) return;
    if (el.id && el.$type.startsWith('bpmn:') && !found.has(el.id)) found.set(el.id, el);
    for (const key of ['rootElements', 'flowElements', 'laneSets', 'lanes', 'participants', 'messageFlows'])
      for (const child of el[key] ?? []) visit(child);
  };
  visit(definitions);
  return found;
}

const shortType = (el: any): string => String(el.$type).replace(/^bpmn:/, '');

/**
 * The changes of `afterXml` against `beforeXml`; with `processKey`, only that process's elements (a
 * collaboration's file holds other processes too). Throws on XML that bpmn-moddle cannot read.
 */
export async function diffVersions(
  beforeXml: string,
  afterXml: string,
  processKey?: string,
): Promise<VersionDiff> {
  const [before, after] = await Promise.all([
    reflowModdle.fromXML(beforeXml, 'bpmn:Definitions'),
    reflowModdle.fromXML(afterXml, 'bpmn:Definitions'),
  ]);
  const result = diff(before.rootElement, after.rootElement);
  const old = elementsById(before.rootElement);
  const now = elementsById(after.rootElement);
  const inScope = (el: any): boolean =>
    !processKey || el.$type === 'bpmn:Message' || processOf(el) === processKey;
  const elements: ElementChange[] = [];
  const entry = (id: string, change: ElementChangeKind, b: any, a: any): void => {
    const el = a ?? b;
    if (!inScope(el)) return;
    const attributes = attributeChanges(b, a);
    if (change === 'changed' && attributes.length === 0) {
      // a change outside the shown aspects (e.g. documentation): still listed, by the differ's attribute names
      for (const name of Object.keys(result._changed[id]?.attrs ?? {}))
        attributes.push({
          attribute: name,
          label: name,
          before: plain(b?.[name]),
          after: plain(a?.[name]),
        });
    }
    elements.push({ elementId: id, name: el.name ?? null, type: shortType(el), change, attributes });
  };
  for (const [id, el] of now) if (!old.has(id)) entry(id, 'added', null, el);
  for (const [id, el] of old) if (!now.has(id)) entry(id, 'removed', el, null);
  for (const [id, el] of now) {
    const previous = old.get(id);
    if (!previous) continue;
    // the differ says which elements changed; the shown aspects also catch what it reports without detail
    if (id in result._changed || attributeChanges(previous, el).length > 0)
      entry(id, 'changed', previous, el);
  }
  const layoutChanged = Object.keys(result._layoutChanged).filter((id) => {
    const el = now.get(id) ?? old.get(id);
    return el ? inScope(el) : true;
  });
  return { elements, layoutChanged };
}
