/** `npm start`: one Reflow node listening on HOST:PORT, with the sample processes deployed. */
import { ConfigError } from './config.js';
import { configFromEnv, startNode } from './node.js';
import { handleShutdown, logDestination } from './shutdown.js';

/** The environment, checked once: a bad value stops the server here with a line naming it (exit code 2). */
function checkedConfig(): ReturnType<typeof configFromEnv> {
  try {
    return configFromEnv();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

const config = checkedConfig();
const node = await startNode({
  ...config,
  // simulated history for the samples on a database without cases: on by default with the embedded database only
  seedDemo: config.seedDemo ?? !config.databaseUrl,
  logger: { level: config.logLevel, stream: logDestination() },
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
    lines.push(
      `    ${p.role.padEnd(10)} ${(p.department ?? '').padEnd(8)} ${p.token}${p.name === p.userId ? '' : `  ${p.name}${p.lead ? '（科长 / lead）' : ''}`}`,
    );
} else {
  lines.push(`  令牌 / tokens: ${config.tokensFile}`);
}
for (const w of node.calendars.warnings()) lines.push(`  警告 / warning: ${w.message}`);
console.log(lines.join('\n'));

handleShutdown({
  graceMs: config.shutdownGraceMs,
  stop: () => node.stop(),
  open: () => node.openWork(),
  log: node.app.log,
});
