import { GatewayError } from "../errors";

/**
 * Every refusal the HTTP layer itself raises, with its status. Services raise their own codes; these cover
 * what is wrong with the request before a service sees it, and the layer's own failures.
 */
export const HTTP_ERROR_STATUS = {
  BODY_MALFORMED: 400,
  QUERY_INVALID: 400,
  PARAM_INVALID: 400,
  REQUEST_MALFORMED: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  BODY_TOO_LARGE: 413,
  CONTENT_TYPE_UNSUPPORTED: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  HTTP_CONFIG_INVALID: 500,
  TIMEOUT: 503,
} as const;

/** A stable code of the HTTP layer. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** The `GatewayError` for `code`, with the status the table above assigns it. */
export function httpError(code: HttpErrorCode, message: string): GatewayError {
  return new GatewayError(code, HTTP_ERROR_STATUS[code], message);
}
