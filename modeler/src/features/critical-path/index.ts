/** The critical path highlighted on the diagram (requires live validation). */
import CriticalPathHighlight from './CriticalPathHighlight.js';

export default {
  __init__: ['criticalPathHighlight'],
  criticalPathHighlight: ['type', CriticalPathHighlight],
};
