/**
 * Typed errors with stable codes. The code is part of vigil's contract: API clients, the CLI
 * and tests match on it, so a code is never renamed once shipped.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'overloaded'
  | 'config_invalid'
  | 'store_failed'
  | 'internal';

/** One problem with an input, pointing at the field (and, for files, the place) it concerns. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `alerts[3].labels` or `schedules[0].time_zone`. */
  field: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  overloaded: 503,
  config_invalid: 400,
  store_failed: 500,
  internal: 500,
};

/** An error vigil raises on purpose; it carries a stable code, an HTTP status and field issues. */
export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: readonly FieldIssue[];

  constructor(code: ErrorCode, message: string, issues: readonly FieldIssue[] = []) {
    super(message);
    this.name = 'VigilError';
    this.code = code;
    this.status = statusByCode[code];
    this.issues = issues;
  }
}

/** Renders field issues as `file:line:column field: message` lines, the format the CLI prints. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues
    .map((i) => {
      const where = i.file ? `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''} ` : '';
      return `${where}${i.field ? `${i.field}: ` : ''}${i.message}`;
    })
    .join('\n');
}
