/**
 * The materials a step needs (`<gov:materials><gov:material …/>`), as an editable list: id, name, source
 * (asked of the applicant, or fetched by data sharing — 免提交) and whether it is required.
 */
import { CheckboxEntry, isSelectEntryEdited, ListGroup, SelectEntry } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';
import { textEntry } from './GovFieldEntries.js';
import { createModdleElement, ensureExtension, extensionOf, removeExtension } from './gov-model.js';

type Any = any;

function SourceEntry(props: { element: Any; id: string; material: Any }): Any {
  const { element, id, material } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  return h(SelectEntry, {
    element,
    id,
    label: translate('Source'),
    getValue: () => material.get('source') ?? 'applicant',
    setValue: (source: string) => modeling.updateModdleProperties(element, material, { source }),
    getOptions: () => [
      { value: 'applicant', label: translate('applicant: submitted by the applicant') },
      { value: 'shared', label: translate('shared: fetched by data sharing (not asked)') },
    ],
  });
}

function RequiredEntry(props: { element: Any; id: string; material: Any }): Any {
  const { element, id, material } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  return h(CheckboxEntry, {
    element,
    id,
    label: translate('Required'),
    getValue: () => material.get('required') !== false,
    setValue: (required: boolean) => modeling.updateModdleProperties(element, material, { required }),
  });
}

const materialsOf = (bo: Any): Any[] => extensionOf(bo, 'gov:Materials')?.get('materials') ?? [];

/** A fresh material id for this step: material_1, material_2… */
function nextMaterialId(bo: Any): string {
  const used = new Set(materialsOf(bo).map((m) => m.get('id')));
  let n = used.size + 1;
  while (used.has(`material_${n}`)) n++;
  return `material_${n}`;
}

/** The materials list group of an activity, for the properties panel's group list. */
export function materialsGroup(element: Any, injector: Any): Any {
  const translate = injector.get('translate');
  const modeling = injector.get('modeling');
  const bpmnFactory = injector.get('bpmnFactory');
  const bo = element.businessObject;
  const container = extensionOf(bo, 'gov:Materials');
  const materials = materialsOf(bo);
  const items = materials.map((material, index) => {
    const prefix = `gov-material-${index}`;
    const target = () => material;
    return {
      id: prefix,
      label: material.get('name') || material.get('id') || translate('<unnamed material>'),
      autoFocusEntry: `${prefix}-name`,
      entries: [
        textEntry(element, {
          id: `${prefix}-id`,
          label: 'Material ID',
          property: 'id',
          kind: 'identifier',
          target,
          description: 'The same document at several steps keeps the same id',
        }),
        textEntry(element, { id: `${prefix}-name`, label: 'Material name', property: 'name', target }),
        { id: `${prefix}-source`, element, material, component: SourceEntry, isEdited: isSelectEntryEdited },
        { id: `${prefix}-required`, element, material, component: RequiredEntry },
      ],
      remove: () => {
        const rest = materials.filter((m) => m !== material);
        if (rest.length === 0) removeExtension(element, bo, container, modeling);
        else modeling.updateModdleProperties(element, container, { materials: rest });
      },
    };
  });
  return {
    id: 'gov-materials',
    label: translate('Materials (gov)'),
    component: ListGroup,
    element,
    items,
    add: (event: Event) => {
      event.stopPropagation();
      const attrs = { id: nextMaterialId(bo), name: '', source: 'applicant', required: true };
      const existing = extensionOf(bo, 'gov:Materials');
      if (existing) {
        const material = createModdleElement(bpmnFactory, 'gov:Material', attrs, existing);
        modeling.updateModdleProperties(element, existing, {
          materials: [...existing.get('materials'), material],
        });
      } else {
        const material = bpmnFactory.create('gov:Material', attrs);
        material.$parent = ensureExtension(
          element,
          bo,
          'gov:Materials',
          { materials: [material] },
          { bpmnFactory, modeling },
        );
      }
    },
  };
}
