// The 对比 view reads the catalogue of figures (engine/metrics/figures.ts) through the compare answer: on the
// business-startup sample's simulated history, every figure of the answer says its unit, better direction and
// change kind; the first-time rate's change is in 个百分点 and, rising, drawn in the "better" colour; the rates
// of bad ratings show their counts beside them; the cards of the demo history show in the red-card rate and by
// department (step warning and red-card rates, count / whole).
import t from 'tap';
import { TOKENS } from '../helpers/test-app.js';
import { api, screenshot, seedSampleHistory, startBrowserTest } from './harness.js';

const KEY = 'business_startup';

t.test('the comparison view states and colours each figure as the catalogue says', async (t) => {
  // an auditor's page, signed in from its first request
  const started = await startBrowserTest(t, { token: TOKENS.auditor });
  if (!started) return;
  const { server, page, errors } = started;
  // given the business-startup sample before and after, with simulated history and its ratings
  await seedSampleHistory(t, server, Date.parse('2026-11-27T15:00:00+08:00'));

  // then the demo's ratings, half of them of one step (一次一评), are credited to several departments
  for (const version of [1, 2]) {
    const loop = (
      await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/versions/${version}/ratings`)
    ).json();
    t.ok(
      loop.departments.length >= 3,
      `v${version}: ${loop.departments.map((d: { department: string; ratings: number }) => `${d.department} ${d.ratings}`).join(', ')}`,
    );
  }

  // when the comparison is asked of the API
  const compared = (
    await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/compare?from=1&to=2`)
  ).json();
  // then every figure says what it is
  const figures = Object.entries(compared.change) as [string, Record<string, unknown>][];
  t.ok(figures.length >= 20, `${figures.length} figures`);
  for (const [name, c] of figures) {
    t.ok(
      ['items', 'pieces', 'days', 'times', 'rate', 'cases', 'ratings'].includes(c.unit as string) &&
        ['higher', 'lower', 'neither'].includes(c.better as string) &&
        c.changeKind === (c.unit === 'rate' ? 'pp' : 'percent'),
      `${name}: ${c.unit}, better ${c.better}, change in ${c.changeKind}`,
    );
  }
  const rising = compared.change.firstTimeRate;
  t.match(rising, { unit: 'rate', better: 'higher', changeKind: 'pp' });
  t.ok(rising.delta > 0, `the first-time rate rises: ${rising.before} → ${rising.after}`);
  t.ok(compared.after.dynamic.badRatings > 0, 'bad ratings after the reform');
  t.equal(
    compared.after.dynamic.calledBackRate,
    compared.after.dynamic.calledBack / compared.after.dynamic.badRatings,
    'called back ÷ bad ratings',
  );

  // when an auditor opens the 对比 view
  await page.goto(`${server.url}/#/compare/${KEY}/1/2`);
  await page.waitForSelector('#reflow-outcomes');
  const row = (figure: string) => page.locator(`#reflow-outcomes tr[data-figure="${figure}"]`);
  const change = (figure: string) => row(figure).locator('td[data-column="change"]');
  // then the first-time rate's change is in points, in the better colour
  const points = String(Number(((rising.after - rising.before) * 100).toFixed(1))); // as the report: 15, 17.6
  t.equal(await change('firstTimeRate').textContent(), `+${points} 个百分点`);
  t.equal(await change('firstTimeRate').getAttribute('data-tone'), 'better');
  const colour = (figure: string) => change(figure).evaluate((cell) => getComputedStyle(cell).color);
  t.equal(await colour('firstTimeRate'), 'rgb(48, 164, 108)', 'green: --reflow-green');
  t.equal(await row('firstTimeRate').locator('th').textContent(), '一次性办结率');
  // and a shorter mean time is better too, in percent
  const mean = compared.change.meanWorkingDays;
  t.ok(mean.delta < 0, 'the mean time falls');
  t.match(await change('meanWorkingDays').textContent(), /^−[\d.]+（−[\d.]+%）$/);
  t.equal(await change('meanWorkingDays').getAttribute('data-tone'), 'better');
  // and a count that follows the number of cases is not coloured
  t.equal(await change('completed').getAttribute('data-tone'), 'neutral');
  t.equal(
    await colour('completed'),
    await row('completed')
      .locator('th')
      .evaluate((c) => getComputedStyle(c).color),
  );
  // and the rates of bad ratings show their counts beside them
  const d = compared.after.dynamic;
  t.match(
    await row('calledBackRate').locator('td[data-column="1"]').textContent(),
    `(${d.calledBack} / ${d.badRatings})`,
  );
  t.equal(await row('calledBackRate').locator('th').textContent(), '差评回访率');
  // and the demo history's cards: the before's steps overran, so its red-card rate is above zero
  const before = compared.before.dynamic;
  t.ok(before.redCardRate > 0, `v1 red-card rate ${before.redCardRate}`);
  t.match(
    await row('redCardRate').locator('td[data-column="0"]').textContent(),
    `(${before.redCardCases} / ${before.supervisedCases})`,
  );
  await page.locator('#reflow-outcomes').scrollIntoViewIfNeeded();
  await screenshot(page, 'comparison-figures');

  // and by department: each department's step warning and red-card rates, with count / whole, as the API says
  const departments = (
    await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/departments?from=1&to=2`)
  ).json() as {
    before: {
      department: string | null;
      stepsWithLimit: number;
      redCardSteps: number;
      stepRedCardRate: number;
    }[];
    after: { department: string | null }[];
  };
  const worst = [...departments.before].sort((a, b) => b.stepRedCardRate - a.stepRedCardRate)[0];
  t.ok(worst.stepRedCardRate > 0, `v1: ${worst.department} red-card rate ${worst.stepRedCardRate}`);
  const table = page.locator('#reflow-department-cards');
  await table.waitFor();
  t.equal(
    await table.locator('tbody tr').count(),
    new Set([...departments.before, ...departments.after].map((d) => d.department ?? '')).size,
    'one row per department of either version',
  );
  t.same(await table.locator('thead tr').first().locator('th').allTextContents(), [
    '部门',
    '环节预警率（亮黄牌或红牌）',
    '环节红牌率（超时）',
  ]);
  const worstRow = table.locator(`tr[data-department="${worst.department}"]`);
  const redBefore = worstRow.locator('td[data-column="0"]').nth(1);
  t.equal(
    await redBefore.textContent(),
    `${(worst.stepRedCardRate * 100).toFixed(1)}% (${worst.redCardSteps} / ${worst.stepsWithLimit})`,
    'the red-card rate with its count and whole',
  );
  await table.scrollIntoViewIfNeeded();
  await screenshot(page, 'comparison-departments');

  // and the duration histogram is the server's, over every completed case: its bins are the printed report's
  const chart = page.locator('#reflow-chart-durations');
  await page.waitForSelector('#reflow-chart-durations canvas');
  const shown = {
    before: JSON.parse((await chart.getAttribute('data-before')) ?? '[]') as number[],
    after: JSON.parse((await chart.getAttribute('data-after')) ?? '[]') as number[],
  };
  const report = (
    await api(server, TOKENS.auditor, 'GET', `/api/processes/${KEY}/report?from=1&to=2&lang=zh`)
  ).body;
  const reportCounts = (side: string) => {
    const panel = new RegExp(`<g data-side="${side}">([\\s\\S]*?)</g></g>`).exec(report)?.[1] ?? '';
    const counts = new Array<number>(40).fill(0);
    for (const m of panel.matchAll(/data-bin="(\d+)" data-count="(\d+)"/g))
      counts[Number(m[1])] = Number(m[2]);
    return counts;
  };
  t.same(shown.before, reportCounts('before'), "v1: the dashboard's bins are the report's");
  t.same(shown.after, reportCounts('after'), "v2: the dashboard's bins are the report's");
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  t.equal(sum(shown.before), compared.before.dynamic.completed, 'every completed case of v1');
  t.equal(sum(shown.after), compared.after.dynamic.completed, 'every completed case of v2');
  t.equal(
    await chart.getAttribute('aria-label'),
    `办理时长分布（工作日）：全部已办结案件，v1 ${compared.before.dynamic.completed} 件、v2 ${compared.after.dynamic.completed} 件`,
    'the chart says how many cases it covers',
  );
  await chart.scrollIntoViewIfNeeded();
  await screenshot(page, 'comparison-histogram');

  // and the printed report lists the applicant's paused-clock wait (补正材料已提交) apart from the office's steps,
  // numbers every section, and prints on A4 with real margins
  const longest = /四、耗时最长的环节（改革后）([\s\S]*?)<h2>五、/.exec(report)?.[1] ?? '';
  const [office, applicant = ''] = longest.split('<h3>');
  t.match(office, /<table>/, 'the office steps table');
  t.notMatch(office, '补正材料已提交', "the applicant's wait is not among the office's slowest steps");
  t.match(applicant, /^申请人用时（暂停计时环节，不计入办理时长）<\/h3>[\s\S]*补正材料已提交/);
  t.match(
    report,
    /<h2>五、超时最多的环节<\/h2>[\s\S]*<h2>六、好差评与整改闭环<\/h2>[\s\S]*<h2>七、各项指标的计算方法与样本量<\/h2>/,
  );
  t.match(report, /@page\{size:A4;margin:18mm 16mm\}/);
  await page.setContent(report);
  await screenshot(page, 'comparison-report');
  // and the report's table shows the rates of bad ratings with their counts, not the falling counts in green
  t.match(report, /<th scope="row">差评回访率<\/th><td class="n">[\d.]+%（\d+ \/ \d+ 条）<\/td>/);
  t.match(
    report,
    /<th scope="row">差评已整改<\/th><td class="n">\d+ 条<\/td><td class="n">\d+ 条<\/td><td class="n ">/,
  );
  t.same(errors, [], 'no page errors');
});
