/** Bad inputs and refusals: the step fails with exit 4 and says why, and asks nobody. */
import { describe, expect, it } from 'vitest';
import { runAction, useActionWorld } from './run-action.ts';

const world = useActionWorld('GitHub Action errors');

const requestCount = async () => (await world.server.http(world.org.key).get('/api/v1/approvals?page_size=100').expect(200)).body.data.length as number;

describe('the step refuses bad inputs with exit 4', { timeout: 60_000 }, () => {
  it.each([
    [{ title: 'Deploy' }, '::error::the input "url" is required'],
    [{ url: 'URL', title: 'Deploy' }, '::error::the input "api-key" is required'],
    [{ url: 'URL', 'api-key': 'KEY' }, '::error::the input "title" is required'],
    [{ url: 'URL', 'api-key': 'KEY', title: 'Deploy', metadata: '{service: shop}' }, '::error::the input "metadata" is not JSON'],
    [{ url: 'URL', 'api-key': 'KEY', title: 'Deploy', metadata: '["shop"]' }, '::error::the input "metadata" must be a JSON object'],
    [{ url: 'URL', 'api-key': 'KEY', title: 'Deploy', 'cancel-on-interrupt': 'yes' }, '::error::the input "cancel-on-interrupt" must be true or false'],
    [{ url: 'URL', 'api-key': 'KEY', title: 'Deploy', priority: 'urgent' }, '::error::Greenlight: --priority: Invalid option'],
    [{ url: 'URL', 'api-key': 'KEY', title: 'Deploy', timeout: 'soon' }, '::error::Greenlight: --timeout must be a duration such as 90s'],
    [{ url: 'URL', 'api-key': 'gk_not_a_key', title: 'Deploy' }, '::error::Greenlight: malformed API key'],
    [{ url: 'ftp://example.com', 'api-key': 'KEY', title: 'Deploy' }, '::error::Greenlight: the input "url" must be http(s): "ftp://example.com"'],
  ])('%j', async (given, error) => {
    const before = await requestCount();
    const resolved = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, v === 'URL' ? world.server.url : v === 'KEY' ? world.org.key : v]));
    const step = await runAction(resolved);
    const { code, stdout } = await step.exited;
    expect(code).toBe(4);
    expect(stdout).toContain(error);
    expect((await step.outputs()).outcome ?? '').toBe('');
    expect(await requestCount()).toBe(before);
    await step.cleanUp();
  });
});
