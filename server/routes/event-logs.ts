/** Event logs of a version: export as XES or CSV, streamed (auditor); import a historical log as its cases (admin). */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogFormatError, parseCsvLog, parseXes } from '../metrics/event-log-parse.js';
import { sayNoVersion } from '../problem-text.js';
import { logText } from '../problem-text-files.js';
import { Problem } from '../problems.js';
import { importResultSchema, versionParams } from './metrics-schemas.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

/** Largest accepted log upload. */
const MAX_LOG_BYTES = 200 * 1024 * 1024;

const tooLarge = () =>
  new Problem(413, 'payload-too-large', 'Log too large', logText.tooLarge(MAX_LOG_BYTES / 1024 / 1024));

/** The upload as a stream of chunks, refused past MAX_LOG_BYTES. */
async function* limited(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > MAX_LOG_BYTES) throw tooLarge();
    yield chunk;
  }
}

/**
 * What is left of an upload the route refused, read and thrown away: otherwise the unread body holds the
 * kept-alive connection, and the client's next request on it waits until the connection times out. A body
 * that is too large (413), or more than MAX_LOG_BYTES still to come, closes the connection after the answer.
 */
function discardRest(raw: IncomingMessage, reply: FastifyReply, close: boolean): void {
  if (raw.complete || raw.destroyed) return;
  const socket = raw.socket;
  if (close) reply.header('connection', 'close');
  let left = MAX_LOG_BYTES;
  raw.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) socket.destroy();
  });
  raw.resume(); // flows once the parser has let go of the stream
}

export async function eventLogRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { definitions, records } = app.reflow;
  // the body stays a stream: logs are parsed as they arrive
  const raw = (
    _request: FastifyRequest,
    payload: NodeJS.ReadableStream,
    done: (err: Error | null, body?: unknown) => void,
  ) => done(null, payload);
  app.addContentTypeParser(['application/xml', 'text/xml', 'application/x-xes+xml', 'text/csv'], raw);

  const version = async (key: string, v: number) => {
    const id = await definitions.idOf(key, v);
    if (id === undefined) throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, v));
    return id;
  };
  const exportQuery = {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: {
        type: 'string',
        enum: ['completed', 'all'],
        default: 'completed',
        description: 'completed cases only (default: what import reads back), or every case',
      },
      handlers: {
        type: 'boolean',
        default: false,
        description:
          "name each step's handler (经办人): XES org:resource, the CSV's resource column; personal data, so left out unless asked",
      },
    },
  } as const;

  for (const format of ['xes', 'csv'] as const) {
    app.get(
      `/api/processes/:key/versions/:version/log.${format}`,
      {
        config: { roles: ['auditor'] },
        schema: {
          tags: ['event logs'],
          summary:
            format === 'xes'
              ? '导出事件日志（IEEE 1849 XES）/ the event log as XES'
              : '导出事件日志（CSV）/ the event log as CSV',
          description:
            format === 'xes'
              ? 'IEEE 1849-2016 XES, streamed: a trace per case (concept:name = case id), start and complete events per step with concept:name, time:timestamp, lifecycle:transition, org:group and reflow:elementId; with handlers=true also org:resource (who handled the step).'
              : "CSV with the columns case_id, activity, element_id, department, lifecycle, timestamp, resource (the step's handler, only with handlers=true), streamed. A cell a spreadsheet would run as a formula (starting with = + - @, tab or carriage return, or ＝ ＋ － ＠) gets a leading ' (OWASP, CSV injection); the import removes it.",
          params: versionParams,
          querystring: exportQuery,
          produces: [format === 'xes' ? 'application/xml' : 'text/csv'],
          response: { 200: { type: 'string' }, ...problemResponses },
        },
      },
      async (request, reply) => {
        const { key, version: v } = request.params;
        const { status, handlers } = request.query;
        await version(key, v);
        const chunks = records.exportLog(format, key, v, { status, handlers });
        reply
          .type(format === 'xes' ? 'application/xml; charset=utf-8' : 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${encodeURIComponent(key)}-v${v}.${format}"`);
        return reply.send(Readable.from(chunks, { objectMode: false })); // buffers one chunk at most
      },
    );
  }

  app.post(
    '/api/processes/:key/versions/:version/log',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['event logs'],
        summary: '导入历史事件日志 / import a historical event log as cases of the version',
        description:
          'XES (Content-Type: application/xml) or CSV (text/csv: case_id, activity, element_id, department, lifecycle, timestamp — or PM4Py’s case:concept:name, concept:name, time:timestamp). Activities are matched to elements by id or name; unmatched ones give 422 with the list. A bad file gives 400 naming the line (and trace and event). Either everything is imported or nothing.',
        params: versionParams,
        response: { 200: importResultSchema, ...problemResponses },
      },
      preValidation: async (request) => {
        if (!/xml|csv/i.test(request.headers['content-type'] ?? '')) {
          throw new Problem(415, 'unsupported-media-type', 'Unsupported media type', {
            zh: '请以 XES（Content-Type: application/xml）或 CSV（Content-Type: text/csv）发送日志',
            en: 'send the log as XES (Content-Type: application/xml) or CSV (Content-Type: text/csv)',
          });
        }
      },
    },
    async (request, reply) => {
      const raw = request.body as IncomingMessage; // the raw upload: the content-type parser above passes it on
      try {
        if (Number(request.headers['content-length']) > MAX_LOG_BYTES) throw tooLarge();
        const { key, version: v } = request.params;
        const definition = await definitions.load(await version(key, v));
        if (!definition) throw new Problem(404, 'not-found', 'Not found', sayNoVersion(key, v));
        // not destroyed when the parser stops early: discardRest reads the rest
        const body = limited(raw.iterator({ destroyOnReturn: false }));
        const traces = /csv/i.test(request.headers['content-type'] ?? '')
          ? parseCsvLog(body)
          : parseXes(body);
        return await records.importLog(definition, traces);
      } catch (error) {
        discardRest(raw, reply, error instanceof Problem && error.status === 413);
        if (error instanceof LogFormatError) {
          throw new Problem(
            400,
            'invalid-event-log',
            'Invalid event log',
            logText.nothingImported(error.text),
            [{ message: error.text, ...(error.line === null ? {} : { line: error.line }) }],
          );
        }
        throw error;
      }
    },
  );
}
