import type { Database } from '../../storage/database.ts';

// PLACEHOLDER: to be implemented.
export async function expireDue(_db: Database): Promise<number> {
  return 0;
}
