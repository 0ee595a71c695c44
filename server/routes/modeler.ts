/** The modeler and dashboards (`GET /`): the page built by modeler/build.mjs into dist/modeler/, no token needed. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Where the built page is: beside the bundled server (dist/server/main.mjs → dist/modeler), or from the
 * sources (server/routes/modeler.ts → dist/modeler), or under the working directory.
 */
export function modelerDirectory(): string | null {
  const candidates = [
    fileURLToPath(new URL('../modeler/', import.meta.url)),
    fileURLToPath(new URL('../../dist/modeler/', import.meta.url)),
    join(process.cwd(), 'dist', 'modeler'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Reflow</title>
<p>建模器尚未构建：请运行 <code>npm run build</code>。<br>The modeler is not built: run <code>npm run build</code>.</p>
<p><a href="/docs">API 文档 / API docs</a></p></html>`;

export async function modelerRoutes(app: FastifyInstance, options: { root?: string } = {}): Promise<void> {
  const root = options.root ?? modelerDirectory();
  if (root) {
    // hashed chunks and ?v=<hash> entry URLs: the assets never change under the same URL
    await app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      preCompressed: true,
      immutable: true,
      maxAge: '365d',
    });
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const html = root ? await readFile(join(root, 'index.html'), 'utf8').catch(() => null) : null;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache');
    if (html === null) return reply.status(503).send(NOT_BUILT);
    return html;
  });
}
