/**
 * Routes see their inputs typed from their JSON schemas (json-schema-to-ts's FromSchema): a route's
 * `request.body`, `params`, `query` and `headers` have the types its schema declares, so routes need no casts,
 * and the schemas stay plain JSON (`as const`) as swagger reads them. Answers are not typed from the response
 * schemas (the serializer still shapes them as before): @fastify/type-provider-json-schema-to-ts would check
 * them too, against schema types the services' view types only restate.
 */
import type { FastifyInstance, FastifyTypeProvider } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** Inputs typed from the schemas; answers unchecked. */
export interface SchemaInputs extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
  serializer: unknown;
}

export const typed = (app: FastifyInstance) => app.withTypeProvider<SchemaInputs>();
