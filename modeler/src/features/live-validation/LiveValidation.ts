/**
 * Runs the engine's validator on the diagram as it is edited: after each change (debounced) the diagram is
 * saved to XML and analysed (findings, static metrics, critical path); the result is published on the event
 * bus as `reflow.analysis`. Findings the server gave at deploy are published as `reflow.serverFindings`.
 */
import { analyseDiagram, type DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import type { ApiFinding } from '../../api/types.js';

// biome-ignore lint/suspicious/noExplicitAny: bpmn-js services are dynamically typed
type Any = any;

export const ANALYSIS_EVENT = 'reflow.analysis';
export const SERVER_FINDINGS_EVENT = 'reflow.serverFindings';

/** Short enough to flag an element as it is drawn, long enough to skip the intermediate steps of a drag. */
const DEBOUNCE_MS = 150;

export default class LiveValidation {
  static $inject = ['eventBus', 'bpmnjs'];

  /** The analysis of the diagram as last validated. */
  latest: DiagramAnalysis | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private runs = 0;
  private pending: Promise<DiagramAnalysis | null> | null = null;

  constructor(
    private readonly eventBus: Any,
    private readonly bpmnjs: Any,
  ) {
    eventBus.on('import.done', () => this.schedule(0));
    eventBus.on('commandStack.changed', () => this.schedule(DEBOUNCE_MS));
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.validateNow(), delay);
  }

  /** Validates now and publishes the result (an older run finishing later is dropped). */
  async validateNow(): Promise<DiagramAnalysis | null> {
    clearTimeout(this.timer);
    const run = ++this.runs;
    this.pending = (async () => {
      let analysis: DiagramAnalysis;
      try {
        const { xml } = await this.bpmnjs.saveXML({ format: false });
        analysis = await analyseDiagram(xml);
      } catch (error) {
        analysis = { findings: [{ elementId: null, type: 'analysisFailed', severity: 'error', message: String((error as Error).message ?? error) }], metrics: null, criticalPath: [], graph: null };
      }
      if (run !== this.runs) return analysis;
      this.latest = analysis;
      this.eventBus.fire(ANALYSIS_EVENT, { analysis });
      return analysis;
    })();
    return this.pending;
  }

  /** Shows the findings of a refused deployment (422) on the elements, until the next change. */
  showServerFindings(findings: ApiFinding[]): void {
    this.eventBus.fire(SERVER_FINDINGS_EVENT, { findings });
  }
}
