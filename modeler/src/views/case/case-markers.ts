/**
 * Marks a case on its diagram: completed steps (green, with their working days), active steps (blue) and
 * incidents (red, with the message). A step run several times (a loop, a multi-instance) shows its total.
 */
import type { CaseView } from '../../api/types.js';
import { addLabel } from '../../diagram/read-only-diagram.js';
import { formatFigure } from '../../dom.js';
import { t } from '../../i18n/language.js';

type Any = any;

export function markCase(viewer: Any, view: CaseView): void {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const completed = new Map<string, { days: number; count: number }>();
  const active = new Set<string>();
  for (const step of view.timeline) {
    if (step.status === 'active') active.add(step.elementId);
    if (step.status !== 'completed') continue;
    const entry = completed.get(step.elementId) ?? { days: 0, count: 0 };
    entry.days += step.workingDays ?? 0;
    entry.count += 1;
    completed.set(step.elementId, entry);
  }
  for (const [elementId, { days, count }] of completed) {
    if (!registry.get(elementId)) continue;
    canvas.addMarker(elementId, 'reflow-done');
    const text = `✓ ${formatFigure(Math.round(days * 100) / 100)} ${t('wd')}${count > 1 ? ` ×${count}` : ''}`;
    addLabel(viewer, elementId, 'reflow-label-done', text, t('{n} working days', { n: formatFigure(days) }));
  }
  for (const elementId of active) {
    if (!registry.get(elementId)) continue;
    canvas.addMarker(elementId, 'reflow-active');
    addLabel(viewer, elementId, 'reflow-label-active', t('in progress'), '', 'above');
  }
  for (const incident of view.incidents) {
    if (!registry.get(incident.elementId)) continue;
    canvas.addMarker(incident.elementId, 'reflow-incident');
    addLabel(
      viewer,
      incident.elementId,
      'reflow-label-incident',
      `⚠ ${incident.message}`,
      incident.message,
      'above',
    );
  }
}
