/**
 * Shows findings on the diagram: a marker class on each element (red outline for errors, amber for warnings)
 * and a badge with the number of findings whose title lists the messages.
 */
import type { ApiFinding } from '../../api/types.js';
import { FINDINGS_EVENT, type FindingsEvent } from './LiveValidation.js';

type Any = any;

const MARKERS = ['reflow-error', 'reflow-warning'];
const OVERLAY_TYPE = 'reflow-finding';

export default class FindingMarkers {
  static $inject = ['eventBus', 'canvas', 'overlays', 'elementRegistry'];

  private marked: string[] = [];

  constructor(
    eventBus: Any,
    private readonly canvas: Any,
    private readonly overlays: Any,
    private readonly elementRegistry: Any,
  ) {
    eventBus.on(FINDINGS_EVENT, ({ findings }: FindingsEvent) => this.show(findings));
    eventBus.on('diagram.clear', () => {
      this.marked = [];
    });
  }

  /** The shape a finding belongs to: the element itself, or the pool of a process. */
  shapeOf(elementId: string | null): Any {
    if (!elementId) return null;
    const element = this.elementRegistry.get(elementId);
    if (element) return element;
    return this.elementRegistry.find((e: Any) => e.businessObject?.processRef?.id === elementId) ?? null;
  }

  show(findings: ApiFinding[]): void {
    for (const id of this.marked) {
      if (!this.elementRegistry.get(id)) continue;
      for (const marker of MARKERS) this.canvas.removeMarker(id, marker);
    }
    this.overlays.remove({ type: OVERLAY_TYPE });
    this.marked = [];
    const byShape = new Map<Any, ApiFinding[]>();
    for (const finding of findings) {
      const shape = this.shapeOf(finding.elementId);
      if (!shape) continue;
      byShape.set(shape, [...(byShape.get(shape) ?? []), finding]);
    }
    for (const [shape, list] of byShape) {
      const severity = list.some((f) => (f.severity ?? 'error') === 'error') ? 'error' : 'warning';
      this.canvas.addMarker(shape, `reflow-${severity}`);
      this.marked.push(shape.id);
      if (!shape.parent) continue; // the root: the list names it, a badge has nowhere to go
      const badge = document.createElement('div');
      badge.className = `reflow-finding-badge reflow-finding-badge-${severity}`;
      badge.textContent = String(list.length);
      badge.title = list.map((f) => f.message).join('\n');
      const position = shape.waypoints ? { top: -10, left: -10 } : { top: -10, right: 10 };
      this.overlays.add(shape, OVERLAY_TYPE, { position, html: badge });
    }
  }
}
