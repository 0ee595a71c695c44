/** Highlights the critical path — the elements whose time limits add up to the diagram's time limit. */
import type { DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import { ANALYSIS_EVENT } from '../live-validation/LiveValidation.js';

type Any = any;

const MARKER = 'reflow-critical';

export default class CriticalPathHighlight {
  static $inject = ['eventBus', 'canvas', 'elementRegistry'];

  enabled = true;
  private path: string[] = [];
  private marked: string[] = [];

  constructor(
    eventBus: Any,
    private readonly canvas: Any,
    private readonly elementRegistry: Any,
  ) {
    eventBus.on(ANALYSIS_EVENT, ({ analysis }: { analysis: DiagramAnalysis }) => {
      this.path = analysis.criticalPath;
      this.draw();
    });
    eventBus.on('diagram.clear', () => {
      this.marked = [];
    });
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.draw();
  }

  private draw(): void {
    for (const id of this.marked) if (this.elementRegistry.get(id)) this.canvas.removeMarker(id, MARKER);
    this.marked = this.enabled ? this.path.filter((id) => this.elementRegistry.get(id)) : [];
    for (const id of this.marked) this.canvas.addMarker(id, MARKER);
  }
}
