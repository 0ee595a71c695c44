/** Live validation with the engine's own validator: findings on the elements as the diagram is edited. */
import FindingMarkers from './FindingMarkers.js';
import LiveValidation from './LiveValidation.js';

export default {
  __init__: ['liveValidation', 'findingMarkers'],
  liveValidation: ['type', LiveValidation],
  findingMarkers: ['type', FindingMarkers],
};
