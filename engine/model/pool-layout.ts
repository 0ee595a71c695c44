/**
 * Laying out a collaboration without diagram interchange, pool by pool. A layout tool that knows one process at
 * a time (bpmn-auto-layout) lays out each pool's process from `poolFiles`; `composePools` then writes one diagram
 * for the whole collaboration: the pools stacked top to bottom, each pool's shapes and edges as laid out, moved
 * into its band, and a straight edge for each message flow between the shapes it joins. Nothing but the diagram
 * interchange changes (the server compiles the result again and keeps it only when its meaning is unchanged).
 */
import { withFlowReferences } from './flow-references.js';
import { reflowModdle } from './parse.js';

/** Moddle elements are untyped. */
type El = any;

/** One pool of a collaboration, alone in a file of its own for the layout tool. */
export interface PoolFile {
  participantId: string;
  /** The single-process file (its flows written on its nodes), or null for a pool without a process. */
  xml: string | null;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Left edge of the pools, the band a pool's name is written in, the margin inside a pool and between pools. */
const LEFT = 50;
const NAME_BAND = 30;
const MARGIN = 30;
const GAP = 40;
const EMPTY_POOL_HEIGHT = 100;

const rootsOf = (definitions: El): El[] => (definitions.rootElements ?? []) as El[];

/** The collaboration of a file and its participants, or null when the file has none. */
function collaborationOf(definitions: El): El | null {
  return rootsOf(definitions).find((r) => r.$type === 'bpmn:Collaboration') ?? null;
}

/** Each pool of the collaboration in `xml` as a file of its own: its process and the file's shared root elements. */
export async function poolFiles(xml: string): Promise<PoolFile[]> {
  const { rootElement: definitions } = await reflowModdle.fromXML(xml);
  const collaboration = collaborationOf(definitions);
  if (!collaboration) return [];
  // messages, errors, signals, escalations, item definitions: what a process may refer to
  const shared = rootsOf(definitions).filter(
    (r) => r.$type !== 'bpmn:Process' && r.$type !== 'bpmn:Collaboration',
  );
  const files: PoolFile[] = [];
  for (const participant of (collaboration.participants ?? []) as El[]) {
    const process = participant.processRef;
    if (!process) {
      files.push({ participantId: participant.id, xml: null });
      continue;
    }
    const alone = reflowModdle.create('bpmn:Definitions', {
      id: `${definitions.id ?? 'Definitions'}_${participant.id}`,
      targetNamespace: definitions.targetNamespace ?? 'http://bpmn.io/schema/bpmn',
      rootElements: [...shared, process],
    });
    const { xml: written } = await reflowModdle.toXML(alone);
    files.push({ participantId: participant.id, xml: await withFlowReferences(written) });
  }
  return files;
}

/** Every element of a file that a diagram can show, by id. */
function elementsById(definitions: El): Map<string, El> {
  const byId = new Map<string, El>();
  const visit = (element: El): void => {
    if (element?.id) byId.set(element.id, element);
    for (const child of (element.flowElements ?? []) as El[]) visit(child);
    for (const child of (element.artifacts ?? []) as El[]) visit(child);
    for (const child of (element.participants ?? []) as El[]) visit(child);
    for (const child of (element.messageFlows ?? []) as El[]) visit(child);
    for (const set of (element.laneSets ?? []) as El[])
      for (const lane of (set.lanes ?? []) as El[]) visit(lane);
  };
  for (const root of rootsOf(definitions)) visit(root);
  return byId;
}

/** The smallest box holding every shape and waypoint of a laid-out plane. */
function extent(planeElements: El[]): Box | null {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  const take = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const di of planeElements) {
    const b = di.bounds;
    if (b) {
      take(b.x, b.y);
      take(b.x + b.width, b.y + b.height);
    }
    for (const p of (di.waypoint ?? []) as El[]) take(p.x, p.y);
  }
  if (!Number.isFinite(minX)) return null;
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

const bounds = (box: Box): El => reflowModdle.create('dc:Bounds', { ...box });

const moved = (b: El, dx: number, dy: number): El =>
  bounds({ x: b.x + dx, y: b.y + dy, width: b.width, height: b.height });

/**
 * The collaboration file `xml` with one diagram drawn from the pools' laid-out files (`laidOut`: participant id
 * to the layout tool's answer for that pool's file, or null for a pool without a process).
 */
export async function composePools(xml: string, laidOut: Map<string, string | null>): Promise<string> {
  const { rootElement: definitions } = await reflowModdle.fromXML(await withFlowReferences(xml));
  const collaboration = collaborationOf(definitions);
  if (!collaboration) throw new Error('the file has no collaboration');
  const byId = elementsById(definitions);
  const planeElements: El[] = [];
  const extraDiagrams: El[] = [];
  const boxes = new Map<string, Box>();
  const pools: { participant: El; content: El[]; extent: Box | null }[] = [];

  // pools without a process (the applicant, another system) on top, as they are usually drawn
  const ordered = [...((collaboration.participants ?? []) as El[])].sort(
    (a, b) => Number(Boolean(a.processRef)) - Number(Boolean(b.processRef)),
  );
  for (const participant of ordered) {
    const file = laidOut.get(participant.id) ?? null;
    if (file === null) {
      pools.push({ participant, content: [], extent: null });
      continue;
    }
    const { rootElement: alone } = await reflowModdle.fromXML(file);
    const [main, ...others] = (alone.diagrams ?? []) as El[];
    const content = (main?.plane?.planeElement ?? []) as El[];
    pools.push({ participant, content, extent: extent(content) });
    // a collapsed sub-process drawn on a plane of its own keeps that plane
    for (const other of others) {
      const subProcess = byId.get(other.plane?.bpmnElement?.id);
      if (!subProcess) continue;
      extraDiagrams.push({ id: other.id, subProcess, elements: other.plane.planeElement ?? [] });
    }
  }

  const width = Math.max(600, ...pools.map((p) => (p.extent ? p.extent.width : 0) + NAME_BAND + 2 * MARGIN));
  let top = 50;
  for (const pool of pools) {
    const height = pool.extent ? pool.extent.height + 2 * MARGIN : EMPTY_POOL_HEIGHT;
    const box = { x: LEFT, y: top, width, height };
    boxes.set(pool.participant.id, box);
    planeElements.push(
      reflowModdle.create('bpmndi:BPMNShape', {
        id: `${pool.participant.id}_di`,
        bpmnElement: pool.participant,
        isHorizontal: true,
        bounds: bounds(box),
      }),
    );
    if (pool.extent) {
      const dx = LEFT + NAME_BAND + MARGIN - pool.extent.x;
      const dy = top + MARGIN - pool.extent.y;
      for (const di of pool.content) {
        const copy = copyDi(di, byId, dx, dy);
        if (!copy) continue;
        planeElements.push(copy);
        if (di.bounds) boxes.set(di.bpmnElement.id, moved(di.bounds, dx, dy));
      }
    }
    top += height + GAP;
  }

  const participants = new Set(pools.map((p) => p.participant.id));
  const obstacles = [...boxes].filter(([id]) => !participants.has(id)).map(([, box]) => box);
  for (const flow of (collaboration.messageFlows ?? []) as El[]) {
    const route = messageFlowRoute(flow, boxes, participants, obstacles);
    if (!route) continue;
    planeElements.push(
      reflowModdle.create('bpmndi:BPMNEdge', {
        id: `${flow.id}_di`,
        bpmnElement: flow,
        waypoint: route.map((p) => reflowModdle.create('dc:Point', { ...p })),
      }),
    );
  }

  const diagram = reflowModdle.create('bpmndi:BPMNDiagram', {
    id: 'BPMNDiagram_collaboration',
    plane: reflowModdle.create('bpmndi:BPMNPlane', {
      id: 'BPMNPlane_collaboration',
      bpmnElement: collaboration,
      planeElement: planeElements,
    }),
  });
  const subDiagrams = extraDiagrams.map((d) =>
    reflowModdle.create('bpmndi:BPMNDiagram', {
      id: d.id,
      plane: reflowModdle.create('bpmndi:BPMNPlane', {
        id: `${d.id}_plane`,
        bpmnElement: d.subProcess,
        planeElement: (d.elements as El[]).map((di) => copyDi(di, byId, 0, 0)).filter(Boolean),
      }),
    }),
  );
  definitions.diagrams = [diagram, ...subDiagrams];
  const { xml: written } = await reflowModdle.toXML(definitions, { format: true });
  return written;
}

/** A shape or edge of a pool's own file redrawn for the same element of the collaboration file, moved by dx, dy. */
function copyDi(di: El, byId: Map<string, El>, dx: number, dy: number): El | null {
  const element = byId.get(di.bpmnElement?.id);
  if (!element) return null;
  const label = di.label?.bounds
    ? reflowModdle.create('bpmndi:BPMNLabel', { bounds: moved(di.label.bounds, dx, dy) })
    : undefined;
  if (di.$type === 'bpmndi:BPMNShape') {
    return reflowModdle.create('bpmndi:BPMNShape', {
      id: `${element.id}_di`,
      bpmnElement: element,
      bounds: moved(di.bounds, dx, dy),
      ...(di.isExpanded === undefined ? {} : { isExpanded: di.isExpanded }),
      ...(label ? { label } : {}),
    });
  }
  if (di.$type === 'bpmndi:BPMNEdge') {
    return reflowModdle.create('bpmndi:BPMNEdge', {
      id: `${element.id}_di`,
      bpmnElement: element,
      waypoint: ((di.waypoint ?? []) as El[]).map((p) =>
        reflowModdle.create('dc:Point', { x: p.x + dx, y: p.y + dy }),
      ),
      ...(label ? { label } : {}),
    });
  }
  return null;
}

interface Point {
  x: number;
  y: number;
}

/** Whether a vertical line at x from y1 to y2 stays clear of every box (with a small margin). */
function clear(x: number, y1: number, y2: number, boxes: Box[]): boolean {
  const [top, bottom] = y1 < y2 ? [y1, y2] : [y2, y1];
  return boxes.every(
    (b) => x < b.x - 5 || x > b.x + b.width + 5 || bottom < b.y - 5 || top > b.y + b.height + 5,
  );
}

/**
 * A message flow's waypoints: a vertical line from its source to its target when nothing is in the way; else
 * out of the source's pool, along the gap to a free column, and down (or up) that column to the target.
 */
function messageFlowRoute(
  flow: El,
  boxes: Map<string, Box>,
  participants: Set<string>,
  obstacles: Box[],
): Point[] | null {
  const from = boxes.get(flow.sourceRef?.id);
  const to = boxes.get(flow.targetRef?.id);
  if (!from || !to) return null;
  const down = from.y + from.height <= to.y;
  const fromPool = participants.has(flow.sourceRef.id);
  const toPool = participants.has(flow.targetRef.id);
  const centre = (b: Box) => b.x + b.width / 2;
  const edgeOf = (b: Box, leaving: boolean) => (leaving === down ? b.y + b.height : b.y);
  const y1 = edgeOf(from, true);
  const y2 = edgeOf(to, false);
  const others = obstacles.filter((b) => b !== from && b !== to);
  // a pool may be joined anywhere along it: the other end's x when it lies within
  const within = (b: Box, x: number) => x >= b.x + 10 && x <= b.x + b.width - 10;
  const x1 = fromPool ? (within(from, centre(to)) ? centre(to) : centre(from)) : centre(from);
  const x2 = toPool ? (within(to, x1) ? x1 : centre(to)) : centre(to);
  if (x1 === x2 && clear(x1, y1, y2, others))
    return [
      { x: x1, y: y1 },
      { x: x2, y: y2 },
    ];
  // the gaps just outside the source's and the target's pools
  const poolOf = (b: Box) =>
    [...participants]
      .map((id) => boxes.get(id) as Box)
      .find((p) => b.y >= p.y && b.y + b.height <= p.y + p.height) ?? b;
  const [sourcePool, targetPool] = [poolOf(from), poolOf(to)];
  const gap1 = down ? sourcePool.y + sourcePool.height + GAP / 2 : sourcePool.y - GAP / 2;
  const gap2 = down ? targetPool.y - GAP / 2 : targetPool.y + targetPool.height + GAP / 2;
  let column = x2;
  for (let step = 0; step < 200; step++) {
    const offset = (step % 2 === 0 ? 1 : -1) * Math.ceil(step / 2) * 10;
    if (clear(x2 + offset, gap1, gap2, others)) {
      column = x2 + offset;
      break;
    }
  }
  const route: Point[] = [
    { x: x1, y: y1 },
    { x: x1, y: gap1 },
    { x: column, y: gap1 },
    { x: column, y: gap2 },
    { x: x2, y: gap2 },
    { x: x2, y: y2 },
  ];
  // drop repeated points and the bends that go nowhere
  return route.filter((p, i) => i === 0 || p.x !== route[i - 1].x || p.y !== route[i - 1].y);
}
