import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DataDirBusyError, dataDirOwner, lockDataDir } from './data-dir-lock.ts';
import { openDatabase } from './open.ts';

const tempDir = () => mkdtempSync(join(tmpdir(), 'gl-lock-'));

describe('one process owns a PGlite data directory', () => {
  it('refuses a second owner while the first holds the lock, and frees it on release', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'greenlight.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'greenlight.lock'))).toBe(false);
    lockDataDir(dir)();
  });

  it('refuses a second open from the same process', () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    try {
      expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
    } finally {
      release();
    }
  });

  it('refuses while another live process holds it, naming that process', async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'greenlight.lock'), String(other.pid));
      expect(dataDirOwner(dir)).toBe(other.pid);
      expect(() => lockDataDir(dir)).toThrow(DataDirBusyError);
      expect(() => lockDataDir(dir)).toThrow(`another Greenlight process (pid ${other.pid}) owns the data directory`);
      await expect(openDatabase({ GREENLIGHT_DATA_DIR: dir, DATABASE_URL: undefined })).rejects.toThrow(DataDirBusyError);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('reclaims the lock of a process that died without releasing it', async () => {
    const dir = tempDir();
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    writeFileSync(join(dir, 'greenlight.lock'), String(dead.pid));
    expect(dataDirOwner(dir)).toBeNull();
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'greenlight.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('openDatabase holds the lock until close, on the buffer pool it was given', async () => {
    const dir = tempDir();
    const db = await openDatabase({ GREENLIGHT_DATA_DIR: dir, DATABASE_URL: undefined, GREENLIGHT_PGLITE_SHARED_BUFFERS: '16MB' });
    expect(readFileSync(join(dir, 'greenlight.lock'), 'utf8')).toBe(String(process.pid));
    expect((await db.query<{ s: string }>(`SELECT current_setting('shared_buffers') AS s`)).rows).toEqual([{ s: '16MB' }]);
    await db.close();
    expect(existsSync(join(dir, 'greenlight.lock'))).toBe(false);
  }, 60_000);
});
