/** The app's documentation page in Make (the `readme` general code). */
export const APP_README = `# Greenlight

Human approval for your scenarios: ask a person before a risky step runs, and continue with their decision.

## Connect

- **Greenlight (OAuth 2.0)**: sign in to Greenlight and allow access. Your Greenlight admin registers Make once:
  \`greenlight-admin oauth-client create --org <org> --name Make --redirect-uri https://www.make.com/oauth/cb/app\`,
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
2. **Scenario A** does its work, then *Request Approval* with **Callback URL** set to that address (and whatever
   B needs to continue in **Metadata**), then *Data store › Add/replace a record* with **Key** = the request's **ID**.
3. When someone decides, Greenlight calls the webhook and scenario B runs with the decided request. Any request
   may name B's address, so B goes on only for an id A stored: *Data store › Check the existence of a record*
   (Key = its **ID**), a filter *Exists*, then *Get Approval Request* (the decision as Greenlight holds it: the
   webhook's body is not checked), a filter *Status is not pending*, then *Data store › Delete a record*. Route on
   that **Status**.
`;
