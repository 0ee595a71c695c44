/** Turns every error into application/problem+json: validation errors name each field; engine refusals are 409s. */
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CommandRejected, findingMessageZh } from '../../engine/index.js';
import { CaseIncident } from '../cases/command-budget.js';
import { BadRequest, NotFound } from '../cases/errors.js';
import { FormInvalid } from '../cases/forms.js';
import { pick, problemTitle, sayCommandRejected, sayNoRoute } from '../problem-text.js';
import { Problem, problemType } from '../problems.js';
import { DeploymentRefused } from '../store/definition-store.js';
import { describeErrors, inLanguage, type Language, preferredLanguage } from '../validation-text.js';

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

/** Errors fastify raises before routing (a URL that is not valid percent-encoded UTF-8): problem+json like the rest. */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const language = preferredLanguage(request.headers['accept-language']);
  reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: problemType('invalid-url'),
      title: problemTitle('invalid-url', language, 'The URL is not valid'),
      status,
      detail: error.message,
    });
}

function toProblem(error: FastifyError | Error, language: Language): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof FormInvalid) {
    const chosen = inLanguage(error.errors, language);
    return new Problem(
      400,
      'invalid-form',
      language === 'zh' ? '表单填写不正确' : 'The form is not filled in correctly',
      language === 'zh' ? `${error.formZh}：${chosen.detail}` : error.message,
      chosen.errors,
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
        message: incident.message,
      })),
      { caseId: error.view.id, incident },
    );
  }
  if (error instanceof DeploymentRefused) {
    const errors = error.findings.filter((f) => f.severity === 'error');
    // in Chinese: the text of the finding's type, then the precise English (it quotes expressions and paths)
    const messageOf = (f: (typeof errors)[number]): string =>
      language === 'zh' ? `${findingMessageZh(f)}（${f.message}）` : f.message;
    return new Problem(
      422,
      'definition-not-executable',
      language === 'zh' ? '流程图不能部署' : 'The BPMN definition cannot be deployed',
      errors.map((f) => `${f.elementId ?? '(document)'}: ${messageOf(f)}`).join('\n'),
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
    const chosen = inLanguage(described, language);
    return new Problem(
      400,
      'invalid-request',
      language === 'zh' ? '请求不正确' : 'The request is not valid',
      chosen.detail,
      chosen.errors,
    );
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 413)
    return new Problem(413, 'too-large', 'The request body is too large', {
      zh: `请求体超过服务器允许的大小（${fastifyError.message}）`,
      en: fastifyError.message,
    });
  if (status === 415)
    return new Problem(415, 'unsupported-media-type', 'Unsupported media type', {
      zh: `不支持此内容类型（${fastifyError.message}）：请以 application/json 发送`,
      en: fastifyError.message,
    });
  if (status >= 400 && status < 500)
    return new Problem(
      status,
      fastifyError.code?.toLowerCase() ?? 'bad-request',
      'Bad request',
      fastifyError.message,
    );
  return new Problem(500, 'internal', 'Internal error', {
    zh: '服务器未能处理此请求，已记入日志',
    en: 'the server failed to handle the request; it is logged',
  });
}

export const problemsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const language = preferredLanguage(request.headers['accept-language']);
    const problem = toProblem(error, language);
    if (problem.status >= 500 && problem.status !== 503) request.log.error({ err: error }, 'request failed');
    else if (problem.status === 503 || problem.code === 'invalid-value')
      request.log.warn({ err: error }, problem.title);
    if (problem.status === 503) reply.header('retry-after', '1');
    // RFC 6750 §3: a 401 names the scheme (auth.ts adds error="invalid_token" for an unknown token)
    if (problem.status === 401 && !reply.hasHeader('www-authenticate'))
      reply.header('www-authenticate', 'Bearer realm="reflow"');
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
