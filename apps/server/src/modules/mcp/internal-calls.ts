import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../context.ts';
import { sha256Hex } from '../../security/tokens.ts';

/** `glmc_` + base64url of 32 random bytes: an internal credential of one MCP request. */
export const INTERNAL_CALL_PATTERN = /^glmc_[A-Za-z0-9_-]{43}$/;

/**
 * The credentials the `/mcp` endpoint's tools call the REST API with, in this process. A client's
 * access token is bound to the MCP resource and refused by the REST API (RFC 8707), and the MCP
 * server never passes it on (MCP authorization, "token passthrough"). Instead each MCP request gets
 * a fresh random credential that lives only in this process's memory and only while the request
 * runs; the REST API resolves it through the MCP request's own access token, each time, so its
 * revocation, expiry, scopes and the person's current role apply to every call the tools make,
 * exactly as to any API call (the router's authorization table, rate limit and emergency stop).
 */
export class InternalCalls {
  readonly #live = new Map<string, () => Promise<AuthContext | null>>();

  /** A credential for one MCP request; `release` it when the request ends. */
  issue(resolve: () => Promise<AuthContext | null>): { credential: string; release: () => void } {
    const credential = `glmc_${randomBytes(32).toString('base64url')}`;
    const key = sha256Hex(credential);
    this.#live.set(key, resolve);
    return { credential, release: () => this.#live.delete(key) };
  }

  async resolve(credential: string): Promise<AuthContext | null> {
    const resolve = this.#live.get(sha256Hex(credential));
    return resolve ? resolve() : null;
  }

  get size(): number {
    return this.#live.size;
  }
}
