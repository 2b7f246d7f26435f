/** The one error shape of the API: `{"error": {"code", "message"}}` with a 4xx/5xx status. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (param: string, message: string): HttpError =>
  new HttpError(400, 'invalid_parameter', `${param}: ${message}`);

export interface ErrorBody {
  error: { code: string; message: string };
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });
