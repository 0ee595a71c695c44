// Validation problems speak Chinese first, by the form's own titles, and English on `Accept-Language: en`
// (issue 22, item 5): a missing form field, a bad enum value, a route schema's 400, a refused deploy; and
// `GET /api/tasks?businessKey=` lists the tasks of that business number only (item 6).
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const FORM = JSON.stringify({
  type: 'object',
  required: ['idNumber', 'delivery'],
  properties: {
    idNumber: { type: 'string', title: '身份证号码', minLength: 18 },
    delivery: {
      type: 'string',
      title: '领取方式',
      enum: ['window', 'mail'],
      enumNames: ['窗口领取', '邮寄'],
    },
    channel: {
      type: 'string',
      title: '申请渠道',
      oneOf: [
        { const: 'online', title: '网上申请' },
        { const: 'counter', title: '窗口申请' },
      ],
    },
    applicant: {
      type: 'object',
      title: '申请人',
      required: ['name'],
      properties: { name: { type: 'string', title: '姓名' } },
    },
  },
});

const bpmn = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs_licence" targetNamespace="urn:reflow:test">
  <bpmn:process id="licence" isExecutable="true">
    <bpmn:extensionElements><gov:form>${FORM}</gov:form></bpmn:extensionElements>
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审查" gov:department="市场监管" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;

const broken = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_broken" targetNamespace="urn:reflow:test">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
</bpmn:definitions>`;

for (const database of testDatabases()) {
  t.test(`validation messages in Chinese and English (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: bpmn,
    });
    t.equal(deployed.statusCode, 201, deployed.body);
    const start = (variables: Record<string, unknown>, language?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: { ...bearer(TOKENS.intake), ...(language ? { 'accept-language': language } : {}) },
        payload: { process: 'licence', variables },
      });

    t.test('a missing form field: Chinese by default, named by its title', async (t) => {
      // given a start without the required 身份证号码 and a browser that prefers Chinese
      for (const language of [undefined, 'zh-CN,zh;q=0.9,en;q=0.8']) {
        // when
        const res = await start({ delivery: 'window' }, language);
        // then
        t.equal(res.statusCode, 400);
        const body = res.json();
        t.equal(body.title, '表单填写不正确');
        t.same(body.errors, [
          { field: 'variables.idNumber', message: '请填写“身份证号码”（idNumber）：此项为必填项' },
        ]);
        t.equal(body.detail, '“licence”的申请表：请填写“身份证号码”（idNumber）：此项为必填项');
        t.notMatch(body.detail, /must/, 'no English in the Chinese answer');
      }
    });

    t.test('Accept-Language: en gives English', async (t) => {
      const res = await start({ delivery: 'window' }, 'en-US,en;q=0.9');
      t.equal(res.statusCode, 400);
      const body = res.json();
      t.equal(body.title, 'The form is not filled in correctly');
      t.same(body.errors, [
        {
          field: 'variables.idNumber',
          message: "variables.idNumber (身份证号码) must have required property 'idNumber'",
        },
      ]);
    });

    t.test('a bad enum value lists the allowed values; nested fields by their own title', async (t) => {
      const zh = await start({
        idNumber: '110101199001011234',
        delivery: 'drone',
        channel: 'fax',
        applicant: {},
      });
      t.equal(zh.statusCode, 400);
      t.same(
        zh
          .json()
          .errors.map((e: { message: string }) => e.message)
          .sort(),
        [
          '“领取方式”（delivery）只能是以下值之一：窗口领取（window）、邮寄（mail）',
          '“申请渠道”（channel）只能是以下值之一：网上申请（online）、窗口申请（counter）',
          '请填写“姓名”（name）：此项为必填项',
        ].sort(),
        "the allowed values by their labels (enumNames, a oneOf's titles), one message each",
      );
      const en = await start({ idNumber: '110101199001011234', delivery: 'drone', channel: 'fax' }, 'en');
      t.same(
        en
          .json()
          .errors.map((e: { field: string; message: string }) => e)
          .sort((a: { field: string }, b: { field: string }) => a.field.localeCompare(b.field)),
        [
          {
            field: 'variables.channel',
            message:
              'variables.channel (申请渠道) must be equal to one of the allowed values: "online" (网上申请), "counter" (窗口申请)',
          },
          {
            field: 'variables.delivery',
            message:
              'variables.delivery (领取方式) must be equal to one of the allowed values: "window" (窗口领取), "mail" (邮寄)',
          },
        ],
      );
      const short = await start({ idNumber: '1101', delivery: 'mail' });
      t.match(short.json().errors, [
        { field: 'variables.idNumber', message: /^“身份证号码”（idNumber）不应少于 18 个字符/ },
      ]);
    });

    t.test("a route schema's 400 in Chinese, with allowed values", async (t) => {
      const zh = await app.inject({
        method: 'GET',
        url: '/api/tasks?status=done',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(zh.statusCode, 400);
      t.equal(zh.json().title, '请求不正确');
      t.same(zh.json().errors, [
        {
          field: 'querystring.status',
          message: '字段 querystring.status 只能是以下值之一：open、completed、cancelled',
        },
      ]);
      const en = await app.inject({
        method: 'GET',
        url: '/api/tasks?status=done',
        headers: { ...bearer(TOKENS.auditor), 'accept-language': 'en' },
      });
      t.match(en.json().errors, [
        { field: 'querystring.status', message: /must be equal to one of the allowed values/ },
      ]);
    });

    t.test('deploy findings: Chinese first, the precise English kept', async (t) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: broken,
      });
      t.equal(res.statusCode, 422);
      t.equal(res.json().title, '流程图不能部署');
      const finding = res.json().errors.find((e: { elementId: string }) => e.elementId === 'StartEvent_1');
      t.match(finding.message, /^「StartEvent_1」没有流出的顺序流：请连接到下一环节或结束事件（.*outgoing/);
      const en = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml', 'accept-language': 'en' },
        payload: broken,
      });
      t.notMatch(JSON.stringify(en.json().errors), /[\u4e00-\u9fff]/, 'no Chinese in the English answer');
    });

    t.test('GET /api/tasks?businessKey= lists that case only', async (t) => {
      for (const key of ['GT-1', 'GT-2']) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/cases',
          headers: bearer(TOKENS.intake),
          payload: {
            process: 'licence',
            businessKey: key,
            variables: { idNumber: '1'.repeat(18), delivery: 'mail' },
          },
        });
        t.equal(res.statusCode, 201, res.body);
      }
      const res = await app.inject({
        method: 'GET',
        url: '/api/tasks?businessKey=GT-2&status=open',
        headers: bearer(TOKENS.market),
      });
      t.equal(res.statusCode, 200, res.body);
      const tasks = res.json();
      t.equal(tasks.length, 1);
      const view = await app.inject({
        method: 'GET',
        url: `/api/cases/${tasks[0].caseId}`,
        headers: bearer(TOKENS.admin),
      });
      t.equal(view.json().businessKey, 'GT-2');
      t.equal(view.json().openTasks[0].id, tasks[0].id, "the case's openTasks[0].id is the task listed");
    });
  });
}
