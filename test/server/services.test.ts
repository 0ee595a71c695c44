// The services are made in one place (server/services.ts) and the app uses those very objects.
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { createServices } from '../../server/services.js';
import { principals } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

for (const database of testDatabases()) {
  t.test(`createServices wires one case service into the others (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const now = Date.UTC(2026, 0, 5, 1);
    const services = await createServices(opened.db, { caseOptions: { clock: () => now } });
    t.teardown(() => services.calendars.stop());
    t.equal(services.cases.definitions, services.definitions, 'one definition store');
    t.equal(
      services.calendars.calendar,
      services.cases.calendar,
      "the calendar service switches the case service's calendar",
    );
    t.equal(services.calendars.status().horizon, services.cases.calendar.horizon);
    t.same(
      services.calendars.warnings(),
      services.calendars.warnings(now),
      "the calendar service reads the case service's clock",
    );
    t.same(await services.queries.page({ limit: 5 }), { items: [], next: null });
    await t.rejects(services.ratings.list('none'), { message: "case 'none' does not exist" });
    await services.ping();

    const app = await buildApp({ db: opened.db, services, principals });
    t.teardown(() => app.close());
    t.equal(app.reflow.cases, services.cases, 'the app uses the services it is given');
    t.equal(app.reflow.service, services.cases);
    t.equal(app.ratings, services.ratings);
    t.equal(app.calendars, services.calendars);
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    t.equal(health.statusCode, 200, health.body);
  });
}
