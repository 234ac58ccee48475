-- Whether an org has a chat channel set up that tells its people without email (a Slack
-- app, a Telegram bot, a Discord application, a Teams bot, a person's phone subscribed to Web Push). Read where a transition decides whether to queue the work of telling anyone (events_fan_out,
-- greenlight_create_approvals): a server without email still tells such an org's people. A chat
-- channel with per-org settings of its own adds its table here.
-- PL/pgSQL for its plan's sake: a SQL function called from PL/pgSQL (the triggers) is planned again at
-- every call up to Postgres 17; this one keeps its plan for the session.
CREATE OR REPLACE FUNCTION greenlight_org_chats(p_org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM slack_settings s WHERE s.org_id = p_org)
      OR EXISTS (SELECT 1 FROM telegram_settings t WHERE t.org_id = p_org)
      OR EXISTS (SELECT 1 FROM discord_settings d WHERE d.org_id = p_org)
      OR EXISTS (SELECT 1 FROM msteams_settings m WHERE m.org_id = p_org)
      OR EXISTS (SELECT 1 FROM webpush_subscriptions w WHERE w.org_id = p_org);
END
$$;
