declare global {
  // ES2024, in every Node this server supports; the repository compiles against the ES2023 library.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * The text with each lone UTF-16 surrogate replaced by U+FFFD, as the database drivers store any text
 * parameter. A transition's arguments travel as JSON, and Postgres refuses a lone surrogate's escape
 * there: its texts go through this first, so they are stored as they would be as parameters.
 */
export const wellFormed = <T extends string | null>(s: T): T => (s === null || s.isWellFormed() ? s : (s.toWellFormed() as T));

/** Text as HTML text or attribute value: the five characters that could end either, escaped. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
