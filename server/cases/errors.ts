/** The errors services throw that the API answers with a problem (server/plugins/problems.ts): 404 and 400. */
import type { Detail, Text } from '../problem-text.js';

export class NotFound extends Error {
  /** The detail in both languages (the Error's message is the English). */
  readonly detail: Text;
  constructor(detail: Detail) {
    super(detail.en);
    this.detail = detail;
  }
}

export class BadRequest extends Error {
  readonly detail: Text;
  constructor(
    detail: Detail,
    readonly errors: { field: string; message: Detail }[] = [],
  ) {
    super(detail.en);
    this.detail = detail;
  }
}
