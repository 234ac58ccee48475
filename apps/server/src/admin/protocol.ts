import { resolve } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';

/**
 * The admin socket lives next to the PGlite data it guards: one per data directory, so a CLI
 * pointed at a directory finds the server that owns it.
 */
export const adminSocketPath = (config: Pick<Config, 'GREENLIGHT_DATA_DIR'>): string =>
  resolve(config.GREENLIGHT_DATA_DIR, 'admin.sock');

export const ADMIN_REQUEST_LIMIT_BYTES = 64 * 1024;

/** `POST /cli`: the CLI's arguments, exactly as typed after `greenlight`. */
export const AdminRequest = z.strictObject({
  argv: z.array(z.string().max(4096)).max(64),
});

export const AdminResponse = z.strictObject({
  exitCode: z.number().int().min(0).max(255),
  stdout: z.string(),
  stderr: z.string(),
});
export type AdminResponse = z.infer<typeof AdminResponse>;
