/** Turns every error into application/problem+json: validation errors name each field; engine refusals are 409s. */
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CommandRejected, findingMessageZh } from '../../engine/index.js';
import { CaseIncident } from '../cases/command-budget.js';
import { BadRequest, NotFound } from '../cases/errors.js';
import { FormInvalid } from '../cases/forms.js';
import { pick, problemTitle, sayCommandRejected, sayNoRoute, type Text } from '../problem-text.js';
import { requestText } from '../problem-text-files.js';
import { Problem, problemType } from '../problems.js';
import { DeploymentRefused } from '../store/definition-store.js';
import { describeErrors, inBothLanguages, type Language, preferredLanguage } from '../validation-text.js';

/** PostgreSQL refusing a value the request carried (out of range, malformed, not storable, too deeply nested). */
const INPUT_SQLSTATES = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05', '54001']);
/** The database is restarting, shutting down or unreachable: the request may be retried. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)/i;

function databaseProblem(error: Error): Problem | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && INPUT_SQLSTATES.has(code)) {
    return new Problem(400, 'invalid-value', 'The request holds a value the database cannot take', {
      zh: `数据库拒收请求中的值（${error.message}）：请检查所发送的值`,
      en: `${error.message}: check the values sent`,
    });
  }
  if (
    (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_CODES.has(code))) ||
    UNAVAILABLE_MESSAGE.test(error.message)
  ) {
    return new Problem(503, 'database-unavailable', 'The database is not available', {
      zh: '数据库暂时没有响应（正在重启或无法连接）；除非稍后读取显示已更改，否则什么都没有改变：请稍后重试',
      en: 'the database does not answer right now (restarting or unreachable); nothing was changed unless a later read shows it: retry shortly',
    });
  }
  return null;
}

/** A refusal fastify raised itself (the body, its type or size, the URL), in the catalogue's words; else null. */
function fastifyProblem(error: FastifyError, request: FastifyRequest): Problem | null {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  const url = request.url.split('?')[0];
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new Problem(400, 'invalid-json', 'The body is not valid JSON', requestText.invalidJson());
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(400, 'invalid-json', 'The body is not valid JSON', requestText.emptyJson());
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        requestText.unsupportedMediaType(request.headers['content-type'] ?? '(none)'),
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(
        413,
        'too-large',
        'The request body is too large',
        requestText.tooLarge(request.routeOptions.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 0),
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new Problem(400, 'bad-request', 'Bad request', requestText.lengthMismatch());
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'invalid-url', 'The URL is not valid', requestText.badUrl(url));
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(414, 'invalid-url', 'The URL is not valid', requestText.paramTooLong(url));
    default:
      return new Problem(status, 'bad-request', 'Bad request', requestText.other(status, error.message));
  }
}

/** A problem as application/problem+json, in the language the request prefers. */
function sendProblem(reply: FastifyReply, problem: Problem, language: Language): void {
  reply
    .status(problem.status)
    .type('application/problem+json')
    .send({
      type: problemType(problem.code),
      title: problemTitle(problem.code, language, problem.title),
      status: problem.status,
      detail: pick(problem.detail, language),
      ...(problem.errors
        ? { errors: problem.errors.map((e) => ({ ...e, message: pick(e.message, language) })) }
        : {}),
      ...problem.extensions,
    });
}

/** Errors fastify raises before routing (a URL that is not valid percent-encoded UTF-8): problem+json like the rest. */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const language = preferredLanguage(request.headers['accept-language']);
  const url = request.url.split('?')[0];
  const problem =
    error.code === 'FST_ERR_BAD_URL' || !error.statusCode || error.statusCode >= 500
      ? new Problem(400, 'invalid-url', 'The URL is not valid', requestText.badUrl(url))
      : (fastifyProblem(error, request) as Problem);
  sendProblem(reply, problem, language);
}

function toProblem(error: FastifyError | Error, request: FastifyRequest): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof FormInvalid) {
    const both = inBothLanguages(error.errors);
    return new Problem(
      400,
      'invalid-form',
      'The form is not filled in correctly',
      { zh: `${error.formZh}：${both.detail.zh}`, en: error.message },
      both.errors,
    );
  }
  if (error instanceof BadRequest)
    return new Problem(400, 'bad-request', 'Bad request', error.detail, error.errors);
  if (error instanceof NotFound) return new Problem(404, 'not-found', 'Not found', error.detail);
  if (error instanceof CaseIncident) {
    const { incident } = error;
    return new Problem(
      422,
      'case-incident',
      'The command was stopped: its case has an incident',
      {
        zh: `办件“${error.view.id}”在环节“${incident.elementId}”处出现故障，本次操作已中止：请管理员检查流程（${incident.message}）`,
        en: error.message,
      },
      incident.elements.map((elementId) => ({
        elementId,
        type: 'loopWithoutWaitState',
        message: {
          zh: `流程在此环节反复执行而没有等待之处（循环中没有用户任务、定时器或消息）：请管理员修改流程（${incident.message}）`,
          en: incident.message,
        },
      })),
      { caseId: error.view.id, incident },
    );
  }
  if (error instanceof DeploymentRefused) {
    const errors = error.findings.filter((f) => f.severity === 'error');
    // in Chinese: the text of the finding's type, then the precise English (it quotes expressions and paths)
    const messageOf = (f: (typeof errors)[number]): Text => ({
      zh: `${findingMessageZh(f)}（${f.message}）`,
      en: f.message,
    });
    const lines = (language: Language) =>
      errors.map((f) => `${f.elementId ?? '(document)'}: ${messageOf(f)[language]}`).join('\n');
    return new Problem(
      422,
      'definition-not-executable',
      'The BPMN definition cannot be deployed',
      { zh: lines('zh'), en: lines('en') },
      errors.map((f) => ({
        elementId: f.elementId,
        type: f.type,
        message: messageOf(f),
        ...(f.line ? { line: f.line } : {}),
        ...(f.column ? { column: f.column } : {}),
      })),
    );
  }
  if (error instanceof CommandRejected)
    return new Problem(
      409,
      `case-${error.code}`,
      'The case cannot take this command now',
      sayCommandRejected(error.code, error.message),
    );
  const fromDatabase = databaseProblem(error);
  if (fromDatabase) return fromDatabase;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const described = describeErrors(
      fastifyError.validation as ErrorObject[],
      null,
      fastifyError.validationContext,
    );
    const both = inBothLanguages(described);
    return new Problem(400, 'invalid-request', 'The request is not valid', both.detail, both.errors);
  }
  const fromFastify = fastifyProblem(fastifyError, request);
  if (fromFastify) return fromFastify;
  return new Problem(500, 'internal', 'Internal error', {
    zh: '服务器未能处理此请求，已记入日志',
    en: 'the server failed to handle the request; it is logged',
  });
}

export const problemsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const language = preferredLanguage(request.headers['accept-language']);
    const problem = toProblem(error, request);
    if (problem.status >= 500 && problem.status !== 503) request.log.error({ err: error }, 'request failed');
    else if (problem.status === 503 || problem.code === 'invalid-value')
      request.log.warn({ err: error }, problem.title);
    if (problem.status === 503) reply.header('retry-after', '1');
    // RFC 6750 §3: a 401 names the scheme (auth.ts adds error="invalid_token" for an unknown token)
    if (problem.status === 401 && !reply.hasHeader('www-authenticate'))
      reply.header('www-authenticate', 'Bearer realm="reflow"');
    sendProblem(reply, problem, language);
  });
  app.setNotFoundHandler((request, reply) => {
    const language = preferredLanguage(request.headers['accept-language']);
    reply
      .status(404)
      .type('application/problem+json')
      .send({
        type: problemType('not-found'),
        title: problemTitle('not-found', language, 'Not found'),
        status: 404,
        detail: pick(sayNoRoute(request.method, request.url.split('?')[0]), language),
      });
  });
});
