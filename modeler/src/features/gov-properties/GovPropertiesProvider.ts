/**
 * Adds Reflow's `gov:` groups to the bpmn-js properties panel: the service (process), the step (activities and
 * catch events), the materials list, and FEEL expressions (conditions, scripts) checked by the engine's parser.
 */
import { expressionEntries, hasExpressions } from './ExpressionEntries.js';
import { formEntry } from './FormEntry.js';
import { checkboxEntry, textEntry } from './GovFieldEntries.js';
import { govTarget, isProcessTarget } from './gov-model.js';
import { materialsGroup } from './MaterialsGroup.js';
import { payloadGroup } from './PayloadGroup.js';

type Any = any;

const is = (element: Any, type: string): boolean => element?.businessObject?.$instanceOf?.(type) === true;
const own = (element: Any) => element.businessObject;

function processEntries(element: Any): Any[] {
  return [
    textEntry(element, {
      id: 'gov-serviceCode',
      label: 'Service code',
      property: 'gov:serviceCode',
      target: govTarget,
    }),
    textEntry(element, {
      id: 'gov-process-timeLimit',
      label: 'Committed time limit (working days)',
      property: 'gov:timeLimit',
      kind: 'days',
      target: govTarget,
    }),
    textEntry(element, {
      id: 'gov-statutoryLimit',
      label: 'Statutory time limit (working days)',
      property: 'gov:statutoryLimit',
      kind: 'days',
      target: govTarget,
    }),
    formEntry(element),
  ];
}

function touchpointEntries(element: Any): Any[] {
  return [
    checkboxEntry(element, {
      id: 'gov-inPerson',
      label: 'Applicant comes in person (one trip)',
      property: 'gov:inPerson',
      target: own,
    }),
    checkboxEntry(element, {
      id: 'gov-correction',
      label: 'Correction request (补正)',
      property: 'gov:correction',
      target: own,
    }),
    checkboxEntry(element, {
      id: 'gov-pausesClock',
      label: 'Pauses the clock',
      property: 'gov:pausesClock',
      target: own,
    }),
  ];
}

function stepEntries(element: Any): Any[] {
  const entries = [
    textEntry(element, {
      id: 'gov-department',
      label: 'Department',
      property: 'gov:department',
      kind: 'feelOrText',
      target: own,
      description: 'Defaults to the lane name; =expression for FEEL (e.g. =reviewer)',
    }),
    textEntry(element, {
      id: 'gov-timeLimit',
      label: 'Time limit (working days)',
      property: 'gov:timeLimit',
      kind: 'days',
      target: own,
    }),
    ...touchpointEntries(element),
  ];
  if (is(element, 'bpmn:ServiceTask')) {
    entries.push(
      textEntry(element, {
        id: 'gov-handler',
        label: 'Handler',
        property: 'gov:handler',
        kind: 'identifier',
        target: own,
      }),
    );
  }
  if (is(element, 'bpmn:UserTask')) entries.push(formEntry(element));
  const loop = own(element).get('loopCharacteristics');
  if (loop?.$instanceOf('bpmn:MultiInstanceLoopCharacteristics')) {
    const target = () => loop;
    entries.push(
      textEntry(element, {
        id: 'gov-collection',
        label: 'Collection (FEEL)',
        property: 'gov:collection',
        kind: 'feelOrText',
        target,
        description: 'One instance per item, e.g. =reviewers',
      }),
      textEntry(element, {
        id: 'gov-elementVariable',
        label: 'Element variable',
        property: 'gov:elementVariable',
        kind: 'name',
        target,
      }),
    );
  }
  return entries;
}

/** The message an element sends or waits for (its message event definition's, or a send/receive task's). */
function messageOf(element: Any): Any {
  const bo = own(element);
  if (bo.$instanceOf('bpmn:SendTask') || bo.$instanceOf('bpmn:ReceiveTask')) return bo.get('messageRef');
  const definition = (bo.get('eventDefinitions') ?? []).find((d: Any) =>
    d.$instanceOf('bpmn:MessageEventDefinition'),
  );
  return definition ? (definition.get('messageRef') ?? null) : undefined;
}

/** Whether the element sends a message (a message throw or end event, a send task). */
const sendsMessage = (element: Any): boolean =>
  is(element, 'bpmn:SendTask') || (is(element, 'bpmn:ThrowEvent') && messageOf(element) !== undefined);

/** Whether the element waits for a message (a message catch, start or boundary event, a receive task). */
const waitsForMessage = (element: Any): boolean =>
  is(element, 'bpmn:ReceiveTask') || (is(element, 'bpmn:CatchEvent') && messageOf(element) !== undefined);

/**
 * The correlation key (gov:correlationKey): a sender's own, evaluated in the sending case; a receiver edits the
 * key on its bpmn:Message, evaluated when its case begins to wait. Both default to =businessKey.
 */
function correlationEntries(element: Any): Any[] {
  if (sendsMessage(element))
    return [
      textEntry(element, {
        id: 'gov-correlationKey',
        label: 'Correlation key (sender, FEEL)',
        property: 'gov:correlationKey',
        kind: 'feelOrText',
        target: own,
        description: 'Evaluated in the sending case; empty: =businessKey',
      }),
    ];
  const message = messageOf(element);
  if (waitsForMessage(element) && message)
    return [
      textEntry(element, {
        id: 'gov-message-correlationKey',
        label: 'Correlation key of the message (receiver, FEEL)',
        property: 'gov:correlationKey',
        kind: 'feelOrText',
        target: () => message,
        description: 'On the message, evaluated when the case begins to wait; empty: =businessKey',
      }),
    ];
  return [];
}

export default class GovPropertiesProvider {
  static $inject = ['propertiesPanel', 'injector', 'translate'];

  constructor(
    propertiesPanel: Any,
    private readonly injector: Any,
    private readonly translate: (s: string) => string,
  ) {
    propertiesPanel.registerProvider(400, this);
  }

  getGroups(element: Any) {
    return (groups: Any[]): Any[] => {
      const ours: Any[] = [];
      if (isProcessTarget(element)) {
        ours.push({
          id: 'gov-process',
          label: this.translate('Government service (gov)'),
          entries: processEntries(element),
        });
      } else if (is(element, 'bpmn:Activity')) {
        ours.push({
          id: 'gov-step',
          label: this.translate('Service step (gov)'),
          entries: stepEntries(element),
        });
        ours.push(materialsGroup(element, this.injector));
      } else if (is(element, 'bpmn:CatchEvent')) {
        ours.push({
          id: 'gov-step',
          label: this.translate('Service step (gov)'),
          entries: touchpointEntries(element),
        });
      }
      const correlation = correlationEntries(element);
      if (correlation.length > 0) {
        ours.push({
          id: 'gov-message',
          label: this.translate('Message correlation (gov)'),
          entries: correlation,
        });
      }
      if (sendsMessage(element)) ours.push(payloadGroup(element, this.injector));
      if (hasExpressions(element)) {
        ours.push({
          id: 'gov-expressions',
          label: this.translate('Expression (FEEL)'),
          entries: expressionEntries(element),
        });
      }
      const general = groups.findIndex((g) => g.id === 'general');
      groups.splice(general + 1, 0, ...ours);
      return groups;
    };
  }
}
