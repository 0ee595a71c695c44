/**
 * Errors as RFC 9457 problem details (application/problem+json), with stable `type` codes; their words in
 * Chinese and English come from server/problem-text.ts.
 */
import type { Detail, Text } from './problem-text.js';

export interface FieldProblem {
  field?: string;
  elementId?: string | null;
  type?: string;
  message: Detail;
  /** Where in an uploaded file (a BPMN document, an event log). */
  line?: number;
  column?: number;
}

export class Problem extends Error {
  /** The detail in both languages (the Error's message is the English). */
  readonly detail: Text;
  constructor(
    readonly status: number,
    readonly code: string,
    /** The English title; the answer's comes from the catalogue (PROBLEM_TITLES) when it has the code. */
    readonly title: string,
    detail: Detail,
    readonly errors?: FieldProblem[],
    /** Extension members (RFC 9457 §3.2), each declared in problemSchema. */
    readonly extensions?: {
      caseId?: string;
      incident?: { elementId: string; message: string; elements: string[] };
    },
  ) {
    super(detail.en);
    this.detail = detail;
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
    /** A command stopped over its budget: the case it failed, and its incident. */
    caseId: { type: 'string' },
    incident: {
      type: 'object',
      properties: {
        elementId: { type: 'string' },
        message: { type: 'string' },
        elements: { type: 'array', items: { type: 'string' } },
      },
    },
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
