/** Reflow's browser app: the modeler and the dashboards, one page served at `/`. */
import { startAppShell } from './shell/app-shell.js';
import { createCaseView } from './views/case/case-view.js';
import { createComparisonView } from './views/comparison/comparison-view.js';
import { createHeatmapView } from './views/heatmap/heatmap-view.js';
import { createInboxView } from './views/inbox/inbox-view.js';
import { createModelerView } from './views/modeler/modeler-view.js';
import { createSupervisionView } from './views/supervision/supervision-view.js';
import { createVersionsView } from './views/versions/versions-view.js';

startAppShell(document.getElementById('app')!, [
  { id: 'modeler', title: 'Modeler', create: createModelerView },
  { id: 'versions', title: 'Versions', create: createVersionsView },
  { id: 'case', title: 'Case', create: createCaseView },
  { id: 'heatmap', title: 'Heatmap', create: createHeatmapView },
  { id: 'compare', title: 'Comparison', create: createComparisonView },
  { id: 'inbox', title: 'Inbox', create: createInboxView },
  { id: 'supervision', title: 'Supervision', create: createSupervisionView },
]);
