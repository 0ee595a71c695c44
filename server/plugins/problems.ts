/** Turns every error into application/problem+json: validation errors name each field; engine refusals are 409s. */
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CommandRejected } from '../../engine/elements/state.js';
import { BadRequest, NotFound } from '../cases/case-service.js';
import { FormInvalid } from '../cases/forms.js';
import { Problem, problemType } from '../problems.js';
import { DeploymentRefused } from '../store/definition-store.js';

function fieldOf(error: { instancePath?: string; params?: Record<string, unknown> }, context: string | undefined): string {
  const missing = typeof error.params?.missingProperty === 'string' ? `/${error.params.missingProperty}` : '';
  const extra = typeof error.params?.additionalProperty === 'string' ? `/${error.params.additionalProperty}` : '';
  const path = `${error.instancePath ?? ''}${missing}${extra}`.replace(/^\//, '').replace(/\//g, '.');
  return [context, path].filter(Boolean).join('.') || (context ?? '(body)');
}

function toProblem(error: FastifyError | Error): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof FormInvalid) return new Problem(400, 'invalid-form', 'The form is not filled in correctly', error.message, error.errors);
  if (error instanceof BadRequest) return new Problem(400, 'bad-request', 'Bad request', error.message, error.errors);
  if (error instanceof NotFound) return new Problem(404, 'not-found', 'Not found', error.message);
  if (error instanceof DeploymentRefused) {
    const errors = error.findings.filter((f) => f.severity === 'error');
    return new Problem(
      422,
      'definition-not-executable',
      'The BPMN definition cannot be deployed',
      errors.map((f) => `${f.elementId ?? '(document)'}: ${f.message}`).join('\n'),
      errors.map((f) => ({ elementId: f.elementId, type: f.type, message: f.message, ...(f.line ? { line: f.line } : {}), ...(f.column ? { column: f.column } : {}) })),
    );
  }
  if (error instanceof CommandRejected) return new Problem(409, `case-${error.code}`, 'The case cannot take this command now', error.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((v) => ({
      field: fieldOf(v as never, fastifyError.validationContext),
      message: `${fieldOf(v as never, fastifyError.validationContext)} ${v.message ?? 'is invalid'}`,
    }));
    return new Problem(400, 'invalid-request', 'The request is not valid', errors.map((e) => e.message).join('; '), errors);
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new Problem(413, 'too-large', 'The request body is too large', fastifyError.message);
  if (status === 415) return new Problem(415, 'unsupported-media-type', 'Unsupported media type', fastifyError.message);
  if (status >= 400 && status < 500) return new Problem(status, fastifyError.code?.toLowerCase() ?? 'bad-request', 'Bad request', fastifyError.message);
  return new Problem(500, 'internal', 'Internal error', 'the server failed to handle the request; it is logged');
}

export const problemsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    reply
      .status(problem.status)
      .type('application/problem+json')
      .send({
        type: problemType(problem.code),
        title: problem.title,
        status: problem.status,
        detail: problem.message,
        ...(problem.errors ? { errors: problem.errors } : {}),
      });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).type('application/problem+json').send({
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
    });
  });
});
