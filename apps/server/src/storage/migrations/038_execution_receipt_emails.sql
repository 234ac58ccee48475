-- Execution receipts are told to the people who approved the request (notify/):
-- the `notify` row of an `approval.execution_reported` event queues one `execution_receipt` email per
-- such person. One message per person per receipt: the partial unique index below.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_message_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_message_check CHECK (message IN ('approval_request', 'sign_in_link', 'invitation', 'reminder', 'digest', 'execution_receipt'));
CREATE UNIQUE INDEX deliveries_receipt_email_key ON deliveries (event_id, recipient_user_id) WHERE message = 'execution_receipt';
