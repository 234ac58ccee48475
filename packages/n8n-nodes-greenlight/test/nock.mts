/**
 * nock for the n8n unit-test files: no real network, and every mocked call must have been made.
 * Its own module: importing nock changes how fetch behaves, which the files against the real
 * server must not get.
 */
import nock from 'nock';
import { afterEach, beforeAll, expect } from 'vitest';

export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
}
