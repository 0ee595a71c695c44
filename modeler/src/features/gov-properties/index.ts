/** The properties panel's `gov:` groups (requires the bpmn-js properties panel modules). */
import GovPropertiesProvider from './GovPropertiesProvider.js';

export default {
  __init__: ['govPropertiesProvider'],
  govPropertiesProvider: ['type', GovPropertiesProvider],
};
