import type { RequestHandler } from 'express';
import { findInputProblem } from '@greenlight/contract';
import { ApiError } from '../errors.ts';

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
    const problem = value === undefined ? undefined : findInputProblem(value);
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
