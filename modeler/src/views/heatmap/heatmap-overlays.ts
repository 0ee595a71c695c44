/**
 * Paints per-step durations on a diagram: each step covered with a colour from green (fastest) to red
 * (slowest mean), its mean and p90 in working days below it, and a badge with the number of breaches.
 */
import type { StepMetrics } from '../../api/types.js';
import { formatFigure } from '../../dom.js';
import { t } from '../../i18n/language.js';

type Any = any;

/** Green (120°) for the fastest through red (0°) for the slowest. */
export const heatColour = (share: number): string =>
  `hsla(${Math.round(120 * (1 - Math.min(1, Math.max(0, share))))}, 85%, 50%, 0.45)`;

export function paintHeatmap(viewer: Any, steps: StepMetrics[]): number {
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  const max = Math.max(0, ...steps.map((s) => s.meanWorkingDays ?? 0));
  let painted = 0;
  for (const step of steps) {
    const element = registry.get(step.elementId);
    if (!element || element.waypoints) continue;
    painted++;
    const share = max > 0 ? (step.meanWorkingDays ?? 0) / max : 0;
    const cover = document.createElement('div');
    cover.className = 'reflow-heat';
    cover.dataset.elementId = step.elementId;
    cover.style.width = `${element.width}px`;
    cover.style.height = `${element.height}px`;
    cover.style.background = heatColour(share);
    cover.title = `${step.name ?? step.elementId}: ${t('{n} runs', { n: step.count })}`;
    overlays.add(element, 'reflow-heat', { position: { top: 0, left: 0 }, html: cover });
    const label = document.createElement('div');
    label.className = 'reflow-label reflow-label-heat';
    label.dataset.elementId = step.elementId;
    // two short lines under the step, as wide as a task: legible at the diagram's legible zoom
    label.textContent = `${t('mean')} ${formatFigure(step.meanWorkingDays)} ${t('wd')}\nP90 ${formatFigure(step.p90WorkingDays)} ${t('wd')}`;
    // beside a small shape (an event, whose own label is below it), below a task
    const beside = element.width < 60;
    overlays.add(element, 'reflow-label', {
      position: beside ? { top: 0, left: element.width + 4 } : { top: element.height + 2, left: 0 },
      html: label,
    });
    if (step.breaches > 0) {
      const badge = document.createElement('div');
      badge.className = 'reflow-breach-badge';
      badge.textContent = t('{n} over limit', { n: step.breaches });
      overlays.add(element, 'reflow-breach', { position: { top: -12, right: 0 }, html: badge });
    }
  }
  return painted;
}
