/**
 * The peer APIs of `shared/spec` that Greenlight also speaks (dialects.ts): their ids alone, so the
 * request's schema can name the ones that create requests without importing the dialects' schemas.
 */
export const DIALECT_IDS = ['human-approval', 'kaireon', 'approval-runs'] as const;
export type DialectId = (typeof DIALECT_IDS)[number];
