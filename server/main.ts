/** `npm start`: one Reflow node listening on HOST:PORT, with the sample processes deployed. */
import { resolve } from 'node:path';
import closeWithGrace from 'close-with-grace';
import { configFromEnv, startNode } from './node.js';

const config = configFromEnv();
const processesDir = resolve(process.env.REFLOW_PROCESSES_DIR ?? 'processes'); // npm start runs in the project root
// simulated history for the samples on a database without cases: on by default with the embedded database only
const seedDemo = process.env.REFLOW_SEED_DEMO
  ? ['1', 'true', 'yes'].includes(process.env.REFLOW_SEED_DEMO)
  : !config.databaseUrl;
const node = await startNode({
  ...config,
  processesDir,
  seedDemo,
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
});
await node.app.listen({ port: config.port, host: config.host });

const url = `http://${config.host}:${config.port}`;
const lines = [
  '',
  `Reflow 已启动 / Reflow is running: ${url}`,
  `  建模与看板 / modeler and dashboards: ${url}/`,
  `  API 文档 / API docs: ${url}/docs`,
  `  数据库 / database: ${node.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}`}`,
  `  已部署流程 / deployed processes: ${node.deployed.map((d) => `${d.key} v${d.version}`).join(', ') || '(none)'}`,
];
if (node.demo) {
  const cases = node.demo.versions.reduce((n, v) => n + v.cases, 0);
  lines.push(
    `  演示数据 / demo history: ${cases} 件模拟案件 simulated cases, ${node.demo.ratings} 条评价 ratings (${(node.demo.ms / 1000).toFixed(1)} s; REFLOW_SEED_DEMO=false to skip)`,
  );
}
if (node.tokensCreated) {
  lines.push(`  演示令牌（仅显示一次）/ demo tokens (shown once), saved in ${config.tokensFile}:`);
  for (const p of node.principals)
    lines.push(`    ${p.role.padEnd(10)} ${(p.department ?? '').padEnd(8)} ${p.token}`);
} else {
  lines.push(`  令牌 / tokens: ${config.tokensFile}`);
}
console.log(lines.join('\n'));

closeWithGrace({ delay: 10_000 }, async ({ err }) => {
  if (err) node.app.log.error({ err }, 'shutting down after an error');
  await node.stop();
});
