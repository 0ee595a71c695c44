// A call activity into a process of the same file (a collaboration deployed as one unit), with gov:in and
// gov:out variable mappings; the version called is the one deployed with the caller.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { CaseEvent } from '../../../engine/elements/state.js';
import { compileUnit } from '../../../engine/runtime/definition.js';
import { LocalEngine } from '../../../engine/runtime/local-engine.js';
import { steps, T0 } from './harness.js';

const xml = readFileSync(new URL('./call-activity-mappings.bpmn', import.meta.url), 'utf8');

function engine(): { engine: LocalEngine; events: CaseEvent[] } {
  const events: CaseEvent[] = [];
  const engine = new LocalEngine({
    now: T0,
    roundTrip: true,
    onEvents: (_id, batch) => events.push(...batch),
  });
  return { engine, events };
}

t.test(
  'a file with two executable processes compiles as one unit, with its pools and message flows',
  async (t) => {
    // when
    const unit = await compileUnit(xml);

    // then
    t.ok(unit.ok, 'compiles');
    if (!unit.ok) return;
    t.same(
      unit.definitions.map((d) => d.key),
      ['birth_master', 'hukou'],
    );
    t.same(unit.collaboration.processes, [
      { id: 'birth_master', name: '新生儿出生一件事', executable: true },
      { id: 'hukou', name: '出生登记（落户）', executable: true },
    ]);
    t.same(unit.collaboration.messageFlows, [
      {
        id: 'mf_apply',
        name: '网上申请',
        source: { process: null, participant: 'pool_applicant', element: null },
        target: { process: 'birth_master', participant: 'pool_master', element: 'm_start' },
        message: null,
      },
      {
        id: 'mf_result',
        name: '办结通知',
        source: { process: 'birth_master', participant: 'pool_master', element: 'm_end' },
        target: { process: null, participant: 'pool_applicant', element: null },
        message: null,
      },
    ]);
    t.same(unit.definitions[0].graph.nodes.m_call.inputs, [
      { source: '=baby.name', target: 'childName' },
      { source: 'guardian', target: 'applicant' },
    ]);
  },
);

t.test(
  'the called process starts with exactly its gov:in variables and hands back only its gov:out ones',
  async (t) => {
    // given the file deployed whole
    const { engine: e, events } = engine();
    const deployed = await e.deployUnit(xml);
    t.same(
      deployed.map((d) => d.id),
      ['birth_master:1', 'hukou:1'],
    );
    t.same(deployed[0].unit, { hukou: 'hukou:1' }, 'the master calls the version deployed with it');

    // when a master case starts
    const started = e.start('birth_master', { baby: { name: '李小满' }, guardian: '李明', secret: '不传' });

    // then the called process runs on the mapped variables only
    const called = Object.values(started.scopes).find((s) => s.elementId === 'hukou');
    t.match(called, { definitionId: 'hukou:1' });
    t.same(called?.variables, { childName: '李小满', applicant: '李明' });

    // when the department completes its task with more than the master asks back
    const task = e.openTasks().find((x) => x.elementId === 'h_register');
    t.ok(task, 'the police task is open');
    const after = e.completeTask(task!.id, { citizenId: '110101202601050012', clerk: '王警官' });

    // then only the gov:out targets reach the master, and it goes on
    t.same(after.variables, {
      baby: { name: '李小满' },
      guardian: '李明',
      secret: '不传',
      hukouResult: '李小满（申报人：李明）',
      babyCitizenId: '110101202601050012',
    });
    t.same(steps(events), [
      'entered m_call',
      'entered h_register',
      'completed h_register',
      'entered h_number',
      'completed h_number',
      'completed m_call',
      'entered m_notify',
    ]);
  },
);

t.test('a call into the same file keeps calling the version deployed with the caller', async (t) => {
  // given the unit, then the called key redeployed on its own with another department
  const { engine: e } = engine();
  await e.deployUnit(xml);
  const changed = xml
    .replace(
      'isExecutable="true">\n    <bpmn:startEvent id="m_start"',
      'isExecutable="false">\n    <bpmn:startEvent id="m_start"',
    )
    .replace('gov:department="公安局"', 'gov:department="派出所"');
  const alone = await e.deployUnit(changed);
  t.same(
    alone.map((d) => d.id),
    ['hukou:2'],
  );

  // when a master case starts
  const started = e.start('birth_master', { baby: { name: '李小满' }, guardian: '李明' });

  // then it calls hukou:1, its own file's version, not the key's latest
  t.match(
    Object.values(started.scopes).find((s) => s.elementId === 'hukou'),
    { definitionId: 'hukou:1' },
  );
  t.equal(e.openTasks().find((x) => x.elementId === 'h_register')?.department, '公安局');
});

t.test(
  'a mapping without a target, or on another element than a call activity, is refused at deploy',
  async (t) => {
    // given
    const noTarget = xml.replace('target="childName"', 'target=""');
    const onTask = xml.replace(
      '<bpmn:userTask id="m_notify" name="告知办结" gov:department="政务服务中心" />',
      '<bpmn:userTask id="m_notify" name="告知办结" gov:department="政务服务中心"><bpmn:extensionElements><gov:in source="guardian" target="x" /></bpmn:extensionElements></bpmn:userTask>',
    );

    // when
    const [a, b] = await Promise.all([compileUnit(noTarget), compileUnit(onTask)]);

    // then
    t.notOk(a.ok);
    t.match(
      a.findings.filter((f) => f.severity === 'error'),
      [
        {
          elementId: 'm_call',
          type: 'invalidMapping',
          message: /needs a source .* and a target that is a variable name/,
        },
      ],
    );
    t.notOk(b.ok);
    t.match(
      b.findings.filter((f) => f.severity === 'error'),
      [{ elementId: 'm_notify', type: 'invalidMapping', message: /only a call activity reads/ }],
    );
  },
);
