/** The errors services throw that the API answers with a problem (server/plugins/problems.ts): 404 and 400. */

export class NotFound extends Error {}

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}
