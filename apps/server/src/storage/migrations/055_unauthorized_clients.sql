-- Self-registered OAuth clients that nobody authorized expire (modules/oauth/purge-unauthorized-clients.ts):
-- the purge finds them by age, and "never authorized" is the absence of a code issued to the client,
-- which every authorization of a dynamic client (each authorize and token call) also asks.
CREATE INDEX oauth_codes_client_idx ON oauth_codes (client_id);
CREATE INDEX oauth_clients_dynamic_created_idx ON oauth_clients (created_at) WHERE registration = 'dynamic';
