/**
 * Runs the engine's validator on the diagram as it is edited: after each change (debounced) the diagram is
 * saved to XML and analysed (findings, static metrics, critical path) and the result published on the event
 * bus as `reflow.analysis`. The findings to show — the analysis's, plus those the server gave when it refused
 * a deployment, kept until the next change — are published as `reflow.findings`.
 */
import type { DiagramAnalysis } from '../../analysis/diagram-analysis.js';
import { engineAnalysis } from '../../analysis/engine-loader.js';
import type { ApiFinding } from '../../api/types.js';

type Any = any;

export const ANALYSIS_EVENT = 'reflow.analysis';
export const FINDINGS_EVENT = 'reflow.findings';

export interface FindingsEvent {
  findings: ApiFinding[];
  /** The part of `findings` the server gave at deploy. */
  serverFindings: ApiFinding[];
  /** A new diagram not yet edited: its findings (a lone start event…) are held back until the first change. */
  quiet?: boolean;
}

/** Short enough to flag an element as it is drawn, long enough to skip the intermediate steps of a drag. */
const DEBOUNCE_MS = 150;

export default class LiveValidation {
  static $inject = ['eventBus', 'bpmnjs'];

  /** The analysis of the diagram as last validated. */
  latest: DiagramAnalysis | null = null;
  private serverFindings: ApiFinding[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private runs = 0;
  private quiet = false;
  private quietNext = false;

  constructor(
    private readonly eventBus: Any,
    private readonly bpmnjs: Any,
  ) {
    eventBus.on('import.done', () => {
      this.serverFindings = [];
      this.quiet = this.quietNext;
      this.quietNext = false;
      this.schedule(0);
    });
    eventBus.on('commandStack.changed', () => {
      this.serverFindings = [];
      this.quiet = false;
      this.schedule(DEBOUNCE_MS);
    });
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.validateNow(), delay);
  }

  /** Validates now and publishes the result (an older run finishing later is dropped). */
  async validateNow(): Promise<DiagramAnalysis> {
    clearTimeout(this.timer);
    const run = ++this.runs;
    let analysis: DiagramAnalysis;
    try {
      const { xml } = await this.bpmnjs.saveXML({ format: false });
      analysis = await (await engineAnalysis).analyseDiagram(xml);
    } catch (error) {
      const message = String((error as Error).message ?? error);
      analysis = {
        findings: [{ elementId: null, type: 'analysisFailed', severity: 'error', message }],
        metrics: null,
        criticalPath: [],
        graph: null,
      };
    }
    if (run !== this.runs) return analysis;
    this.latest = analysis;
    this.eventBus.fire(ANALYSIS_EVENT, { analysis });
    this.publishFindings();
    return analysis;
  }

  /** Holds back the findings of the diagram imported next until it is edited (a new, empty diagram). */
  quietUntilEdited(quiet: boolean): void {
    this.quietNext = quiet;
  }

  /** Shows the findings of a refused deployment (422) on the elements, until the next change. */
  showServerFindings(findings: ApiFinding[]): void {
    this.serverFindings = findings.map((f) => ({ ...f, severity: f.severity ?? 'error' }));
    this.publishFindings();
  }

  private publishFindings(): void {
    const event: FindingsEvent = this.quiet
      ? { findings: [], serverFindings: [], quiet: true }
      : {
          findings: [...(this.latest?.findings ?? []), ...this.serverFindings],
          serverFindings: this.serverFindings,
        };
    this.eventBus.fire(FINDINGS_EVENT, event);
  }
}
