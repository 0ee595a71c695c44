// The versions' diff: per element and attribute, with before/after, and layout-only changes apart.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { diffVersions } from '../../../engine/model/version-diff.js';

const permit = readFileSync(new URL('../../metrics/fixtures/permit.bpmn', import.meta.url), 'utf8');
const withLayout = readFileSync(new URL('../../modeler/fixtures/permit.after.bpmn', import.meta.url), 'utf8');

/** permit.bpmn with: review 2 → 1 working days, issue 公安 → 税务, a new condition, f5 rewired to ask, a new material. */
export const changedPermit = permit
  .replace('gov:timeLimit="2"', 'gov:timeLimit="1"')
  .replace('complete = false', 'complete != true')
  .replace('gov:department="公安"', 'gov:department="税务"')
  .replace('sourceRef="issue" targetRef="end"', 'sourceRef="issue" targetRef="ask"')
  .replace(
    'source="shared" />',
    'source="shared" /><gov:material id="x" name="新材料" source="applicant" />',
  );

t.test('each changed attribute is shown with before and after, in human labels', async (t) => {
  const { elements, layoutChanged } = await diffVersions(permit, changedPermit, 'permit');
  const attr = (id: string, name: string) =>
    elements.find((e) => e.elementId === id)?.attributes.find((a) => a.attribute === name);
  t.match(attr('review', 'timeLimit'), { label: /^承诺时限.*time limit/, before: 2, after: 1 });
  t.match(attr('issue', 'department'), { label: /^部门 \/ department/, before: '公安', after: '税务' });
  t.match(attr('to_ask', 'conditionExpression'), {
    label: /^条件/,
    before: 'complete = false',
    after: 'complete != true',
  });
  t.match(attr('f5', 'targetRef'), { before: 'end', after: 'ask' });
  t.same(attr('review', 'materials')?.added, ['新材料（x）']);
  t.same(attr('review', 'materials')?.removed, []);
  t.equal(elements.find((e) => e.elementId === 'review')?.change, 'changed');
  t.equal(elements.find((e) => e.elementId === 'review')?.type, 'UserTask');
  t.same(layoutChanged, []);
  t.notOk(
    elements.some((e) => e.elementId === 'start'),
    'unchanged elements are not listed',
  );
});

t.test('added and removed elements', async (t) => {
  const after = permit.replace(
    '<bpmn:endEvent id="end" />',
    '<bpmn:endEvent id="end" /><bpmn:userTask id="archive" name="归档" gov:department="档案" />',
  );
  const { elements } = await diffVersions(permit, after, 'permit');
  t.match(
    elements.find((e) => e.elementId === 'archive'),
    {
      change: 'added',
      name: '归档',
      attributes: [
        { attribute: 'name', before: null, after: '归档' },
        { attribute: 'department', after: '档案' },
      ],
    },
  );
  const back = await diffVersions(after, permit, 'permit');
  t.match(
    back.elements.find((e) => e.elementId === 'archive'),
    { change: 'removed' },
  );
});

t.test('a layout-only change is reported as layout, with no element change', async (t) => {
  const moved = withLayout.replace('x="400" y="80" width="100"', 'x="420" y="200" width="100"');
  t.not(moved, withLayout);
  const { elements, layoutChanged } = await diffVersions(withLayout, moved);
  t.same(elements, []);
  t.same(layoutChanged, ['review']);
});

t.test('the same document: nothing changed', async (t) => {
  t.same(await diffVersions(permit, permit), { elements: [], layoutChanged: [] });
});

t.test(
  'a change outside the labelled attributes is listed under the attribute name the differ gives',
  async (t) => {
    const after = permit.replace(
      '<bpmn:exclusiveGateway id="check" default="to_issue" />',
      '<bpmn:exclusiveGateway id="check" default="to_issue" gatewayDirection="Diverging" />',
    );
    const { elements } = await diffVersions(permit, after, 'permit');
    t.match(elements, [
      {
        elementId: 'check',
        change: 'changed',
        attributes: [{ attribute: 'gatewayDirection', label: 'gatewayDirection', after: 'Diverging' }],
      },
    ]);
  },
);
