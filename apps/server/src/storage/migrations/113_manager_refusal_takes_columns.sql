-- greenlight_manager_refusal takes the requester's two columns instead of the request's whole row
-- (greenlight_rules.sql says why): a new signature, so the old one is dropped here and the new one
-- made from functions/.
DROP FUNCTION IF EXISTS greenlight_manager_refusal(approvals, text, uuid, text, text);
