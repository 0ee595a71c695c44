// The demo history raises the cards of electronic supervision (电子监察) its past would have raised: the before
// version, whose steps overrun, gets a red-card rate above zero; cards of ended work are cleared at its end, of
// open work stay open; every card has its warningRaised event (verify passes); and the live warning scheduler,
// run at the end of the history, finds nothing left to raise — the replay made the scheduler's own decisions.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { verifyAudit } from '../../server/audit/verify.js';
import { MetricsService } from '../../server/metrics/metrics-service.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { seedDemoHistory } from '../../server/simulate/demo.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';
import { calendar } from './helpers.js';

const dir = new URL('../../processes/', import.meta.url).pathname;
const NAMES = ['business-startup.before', 'business-startup.after', 'rating-rectification'];

for (const database of testDatabases())
  t.test(`${database.name}: the demo history raises the cards of its past`, async (t) => {
    // given business start-up before and after deployed, and the demo's seeding of them
    const opened = await database.open();
    t.teardown(() => opened.close());
    const definitions = new DefinitionStore(opened.db);
    for (const name of NAMES)
      await definitions.deploy(readFileSync(`${dir}${name}.bpmn`, 'utf8'), new Date('2026-01-01T00:00:00Z'), {
        publish: true,
      });
    const now = Date.parse('2026-11-27T15:00:00+08:00');
    // with a quarter of the before's cases, whose overrunning steps cost the most (the cards of 98% of them), and
    // every case of the after, whose last bad ratings' rectification cases are still open at the end; a 3-day
    // rectification deadline has one of those past its yellow threshold (seeds are fixed: always the same one)
    await seedDemoHistory(opened.db, definitions, {
      processesDir: dir,
      now,
      calendar,
      share: (file) => (file.includes('.before.') ? 0.25 : 1),
      rectificationDays: 3,
    });

    // then the before version has red cards where its steps overran
    const metrics = new MetricsService(opened.db, definitions);
    const c = await metrics.compare('business_startup', 1, 2);
    const before = c.before.dynamic;
    t.ok(
      (before.redCardRate ?? 0) > 0 && before.redCardCases > 0,
      `before: red-card rate ${before.redCardRate} (${before.redCardCases} / ${before.supervisedCases})`,
    );
    t.ok(
      (before.warningRate ?? 0) >= (before.redCardRate ?? 0),
      `before: warning rate ${before.warningRate} ≥ red-card rate`,
    );
    t.ok(
      (c.after.dynamic.redCardRate ?? 1) < (before.redCardRate ?? 0),
      `after: red-card rate ${c.after.dynamic.redCardRate} below the before's`,
    );

    const cards = await opened.db
      .selectFrom('warnings as w')
      .leftJoin('tasks as k', 'k.id', 'w.task_id')
      .innerJoin('cases as c', 'c.id', 'w.case_id')
      .select([
        'w.id',
        'w.subject',
        'w.level',
        'w.raised_at',
        'w.cleared_at',
        'w.used_share',
        'w.warn_at',
        'k.status as task_status',
        'k.completed_at as task_completed_at',
        'c.status as case_status',
        'c.ended_at as case_ended_at',
        'c.started_at as case_started_at',
      ])
      .execute();
    t.ok(cards.length > 0, `${cards.length} cards written`);
    t.ok(
      cards.every((w) => w.raised_at.getTime() <= now && w.raised_at >= w.case_started_at),
      'each raised within its case and before the end of the history',
    );
    t.ok(
      // the share is shown to 4 decimals: red 1 ms past the limit reads 1.0000
      cards.every((w) => (w.level === 'red' ? w.used_share >= 1 : w.used_share >= w.warn_at - 1e-4)),
      'each raised at its threshold: yellow at its warnAt share of the limit, red past it',
    );
    const ended = (w: (typeof cards)[number]) =>
      w.subject === 'task'
        ? w.task_status === 'completed' || w.task_status === 'cancelled'
        : w.case_status !== 'active';
    t.ok(
      cards
        .filter(ended)
        .every(
          (w) =>
            w.cleared_at !== null &&
            w.cleared_at.getTime() ===
              (w.subject === 'task' ? w.task_completed_at : w.case_ended_at)?.getTime() &&
            w.cleared_at > w.raised_at,
        ),
      'cards of ended work are cleared at its end, after they were raised',
    );
    const open = cards.filter((w) => !ended(w));
    t.ok(
      open.length > 0 && open.every((w) => w.cleared_at === null),
      `${open.length} cards of open work stay open`,
    );
    const levels = new Set(cards.map((w) => `${w.subject}:${w.level}`));
    t.ok(levels.has('task:red') && levels.has('task:yellow'), `levels raised: ${[...levels].join(', ')}`);

    // and the audit chain holds every card (verify: each row has its warningRaised event, and back)
    const report = await verifyAudit(opened.db, {}, { calendar });
    t.ok(report.ok, `verify: ${report.checkedCases} cases, ${report.brokenCases} broken`);
    t.same(report.broken.slice(0, 3), [], 'no broken case');
    const events = await opened.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'warningRaised')
      .executeTakeFirstOrThrow();
    t.equal(Number(events.n), cards.length, 'one warningRaised event per card');

    // and the live scheduler, at the end of the history, has nothing left to raise
    const service = {
      definitions: { load: (id: string) => definitions.load(id) },
      calendar,
      forget: () => {},
    };
    const scheduler = new WarningScheduler(opened.db, service, { nodeId: 'after-demo', clock: () => now });
    t.equal(await scheduler.tick(), 0, 'no card raised again or late by the scheduler');
    await scheduler.stop();
  });
