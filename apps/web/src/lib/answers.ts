import type { ResponseField } from '@greenlight/contract';

// How fields become controls and controls values: the contract's, shared with the email link's page (zod-free, loaded at start).
export {
  answerOfControl,
  asksForInput,
  controlOf,
  editControlOf,
  editInitial,
  editOfControl,
  refusalProblems,
  shownValue,
  valueAtContentPath,
  type Control,
  type EditControl,
} from '@greenlight/contract/answer-controls';

/**
 * Answers on the dashboard: a request that asks for an answer (`response_schema`) or lets the reviewer
 * change fields of it (`editable`) is approved through a form. What a valid answer is stays the
 * contract's one definition (`checkAnswer`, `checkEdits`, `answerFields`), the same functions the server
 * runs; they come with zod, so they are loaded on demand, only by a page that shows such a request,
 * and the inbox's bundle stays free of zod.
 */
export type AnswersModule = Pick<typeof import('@greenlight/contract'), 'checkAnswer' | 'checkEdits' | 'answerFields'>;

let loading: Promise<AnswersModule> | null = null;
export function loadAnswers(): Promise<AnswersModule> {
  loading ??= import('@greenlight/contract').then((m) => ({ checkAnswer: m.checkAnswer, checkEdits: m.checkEdits, answerFields: m.answerFields }));
  return loading;
}

/** A field's value as its control holds it: text for text, number inputs and selects; a flag; a list of choices. */
export type FieldValue = string | boolean | string[];

/** The control's starting value: the field's default, else empty. */
export function initialValue(f: ResponseField): FieldValue {
  switch (f.type) {
    case 'boolean':
      return f.default ?? false;
    case 'array':
      return f.default ?? [];
    case 'number':
    case 'integer':
      return f.default === undefined ? '' : String(f.default);
    case 'string':
      return f.default ?? '';
  }
}
