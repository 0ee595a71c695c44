/**
 * FEEL expressions edited with the engine's syntax check: sequence-flow conditions and FEEL scripts. The text
 * is written even when it does not parse (nothing typed is lost); the message shows under the field and the
 * live validation marks the element until it is fixed.
 */
import { isTextAreaEntryEdited, TextAreaEntry } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { feelSyntaxProblem } from '../../analysis/engine-loader.js';
import { textEntry } from './GovFieldEntries.js';

type Any = any;

function feelProblem(value: string, translate: (s: string) => string): string | null {
  if (!value || value.trim() === '') return null;
  const problem = feelSyntaxProblem(value);
  return problem ? `${translate('FEEL syntax error')}: ${problem}` : null;
}

function ConditionEntry(props: { element: Any; id: string }): Any {
  const { element, id } = props;
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const bo = element.businessObject;
  return h(TextAreaEntry, {
    element,
    id,
    label: translate('Condition (FEEL)'),
    description: translate('e.g. complete = false or capital >= 100000; a leading = is allowed'),
    debounce,
    rows: 2,
    monospace: true,
    validate: (value: string) => feelProblem(value, translate),
    getValue: () => bo.get('conditionExpression')?.get('body') ?? '',
    setValue: (value: string) => {
      const text = (value ?? '').trim();
      const conditionExpression =
        text === '' ? undefined : bpmnFactory.create('bpmn:FormalExpression', { body: text });
      modeling.updateProperties(element, { conditionExpression });
    },
  });
}

function ScriptEntry(props: { element: Any; id: string }): Any {
  const { element, id } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const bo = element.businessObject;
  return h(TextAreaEntry, {
    element,
    id,
    label: translate('Script (FEEL)'),
    debounce,
    rows: 3,
    monospace: true,
    validate: (value: string) => feelProblem(value, translate),
    getValue: () => bo.get('script') ?? '',
    setValue: (value: string) => {
      const text = (value ?? '').trim();
      modeling.updateModdleProperties(element, bo, {
        script: text === '' ? undefined : text,
        scriptFormat: text === '' ? bo.get('scriptFormat') : 'feel',
      });
    },
  });
}

/** A sequence flow whose condition is read: not out of a parallel or event-based gateway. */
export function hasCondition(element: Any): boolean {
  const bo = element.businessObject;
  if (!bo?.$instanceOf?.('bpmn:SequenceFlow')) return false;
  const source = bo.sourceRef;
  return !source?.$instanceOf?.('bpmn:ParallelGateway') && !source?.$instanceOf?.('bpmn:EventBasedGateway');
}

export const conditionEntry = (element: Any) => ({
  id: 'gov-condition',
  element,
  component: ConditionEntry,
  isEdited: isTextAreaEntryEdited,
});
export const scriptEntry = (element: Any) => ({
  id: 'gov-script',
  element,
  component: ScriptEntry,
  isEdited: isTextAreaEntryEdited,
});

const isScriptTask = (element: Any): boolean =>
  element?.businessObject?.$instanceOf?.('bpmn:ScriptTask') === true;

export const hasExpressions = (element: Any): boolean => hasCondition(element) || isScriptTask(element);

/** The FEEL entries of a sequence flow (its condition) or a script task (script and result variable). */
export function expressionEntries(element: Any): Any[] {
  if (!isScriptTask(element)) return [conditionEntry(element)];
  return [
    scriptEntry(element),
    textEntry(element, {
      id: 'gov-resultVariable',
      label: 'Result variable',
      property: 'gov:resultVariable',
      kind: 'name',
      target: (e: Any) => e.businessObject,
    }),
  ];
}
