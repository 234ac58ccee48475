import { verifyWebhook, WebhookVerificationError, type HeaderSource } from './generated/webhook-signature';

/**
 * Why a delivery must be refused, or undefined when its Standard Webhooks signature holds. The
 * signature covers the raw bytes, so a request whose raw body n8n did not keep is refused.
 */
export function signatureProblem(secret: string | undefined, headers: HeaderSource, raw: Buffer | undefined): string | undefined {
	if (!secret) return 'no_secret';
	if (!raw) return 'no_raw_body';
	try {
		verifyWebhook({ secret, headers, body: raw });
		return undefined;
	} catch (error) {
		return error instanceof WebhookVerificationError ? error.reason : 'invalid_signature';
	}
}
