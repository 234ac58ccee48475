-- Answers (docs/answers.md): what a request asks the reviewer to answer (`response_schema`, a flat form
-- in the contract's subset of JSON Schema) and which fields of its own content the reviewer may change
-- (`editable`, paths into metadata / changes.after), both fixed at create; and what the approving vote
-- gave (`response`, the validated answer with defaults filled in; `edits`, [{path, before, after}]),
-- written by the vote that makes the final approval (storage/functions/greenlight_decide.sql). Each
-- vote's own answer is in its event's data. Requests from before: nothing asked, nothing edited.
-- `response_schema` is json, not jsonb: jsonb reorders an object's keys, and the order of `properties`
-- is the order the form's fields are shown in (answerFields); json keeps the text as the requester wrote it.
ALTER TABLE approvals
  ADD COLUMN response_schema json,
  ADD COLUMN editable text[] NOT NULL DEFAULT '{}',
  ADD COLUMN response jsonb,
  ADD COLUMN edits jsonb NOT NULL DEFAULT '[]';
