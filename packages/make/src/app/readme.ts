/** The app's documentation page in Make (the `readme` general code). */
export const APP_README = `# Greenlight

Human approval for your scenarios: ask a person before a risky step runs, and continue with their decision.

## Connect

- **Greenlight (OAuth 2.0)**: sign in to Greenlight and allow access. Your Greenlight admin registers Make once:
  \`greenlight oauth-client create --org <org> --name Make --redirect-uri https://www.make.com/oauth/cb/app\`,
  then gives you the client ID and secret.
- **Greenlight (API key)**: paste an API key.

## Modules

- Triggers: Watch New Approval Requests, Watch Decisions (polling), Watch Decisions (instant).
- Actions: Request Approval, Approve or Reject, Cancel Approval Request, Add Comment, Configure Steps.
- Searches: List / Search Approval Requests, Get Approval Request, Find Approval Request by External ID.

## Waiting for a decision

A Make scenario cannot pause, so waiting takes two scenarios:

1. **Scenario B** starts with *Watch Decisions (instant)*, with "Subscribe to every decision" set to **No**.
   Copy its webhook address.
2. **Scenario A** does its work and ends with *Request Approval*, with **Callback URL** set to that address and
   whatever B needs to continue in **Metadata** (or External ID).
3. When someone decides, Greenlight calls the webhook and scenario B runs with the decided request (status,
   decision comment, your metadata). Route on **Status**.
`;
