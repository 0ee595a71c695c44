/** Errors as RFC 9457 problem details (application/problem+json), with stable `type` codes. */
export interface FieldProblem {
  field?: string;
  elementId?: string | null;
  type?: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldProblem[],
  ) {
    super(detail);
  }
}

export const problemType = (code: string): string => `urn:reflow:problem:${code}`;

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          elementId: { type: ['string', 'null'] },
          type: { type: 'string' },
          message: { type: 'string' },
          line: { type: 'integer' },
          column: { type: 'integer' },
          severity: { type: 'string' },
        },
      },
    },
  },
  required: ['type', 'title', 'status', 'detail'],
} as const;
