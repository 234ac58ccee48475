import type { RequestHandler } from 'express';
import { findInputProblem, routes } from '@greenlight/contract';
import { ApiError } from '../errors.ts';

/**
 * The routes whose bodies may carry long text (`longText` in the contract), matched here because this
 * runs before routing: method, the path as a pattern of its segments, and the fields.
 */
const LONG_TEXT = Object.values(routes).flatMap((r) =>
  'longText' in r && r.longText
    ? [{ method: r.method.toUpperCase(), path: new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}/?$`), fields: r.longText as readonly string[] }]
    : [],
);
const longTextOf = (method: string, path: string) => LONG_TEXT.find((r) => r.method === method && r.path.test(path))?.fields ?? [];

/**
 * Holds every /api/v1 request (and the peer APIs', dialects/) to the contract's INPUT_LIMITS before routing, authentication or a
 * handler sees it: the body (once parsed) and the query string. Runs ahead of authentication, like
 * the JSON parser's own refusals, because what it refuses is malformed whoever sends it; it decides
 * nothing about who may do what.
 */
export const inputLimits: RequestHandler = (req, _res, next) => {
  for (const [where, value] of [
    ['query', req.query],
    ['body', req.body],
  ] as const) {
    const problem = value === undefined ? undefined : findInputProblem(value, where === 'body' ? longTextOf(req.method, req.originalUrl.split('?')[0]!) : []);
    if (problem) {
      next(
        new ApiError('VALIDATION_ERROR', problem.message, {
          location: where,
          issues: [{ path: problem.path, code: 'input_limit', message: problem.message }],
        }),
      );
      return;
    }
  }
  next();
};
