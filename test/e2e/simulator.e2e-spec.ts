import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateDemoSecrets, loadConfig } from '../../apps/server/src/config/app-config.js';
import type { SimulatedReply } from '../../apps/server/src/simulator/simulator.controller.js';
import { newPsid } from '../support/messenger.factory.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Demo mode: no Messenger settings, the built-in fake Graph API, the /simulator page. */
describe('demo mode and the Messenger simulator', () => {
  let server: TestApp;

  beforeAll(async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: process.env.TEST_DATABASE_URL!, LOG_LEVEL: 'silent' }, { demoSecrets: generateDemoSecrets });
    expect(config.demoMode).toBe(true);
    server = await startTestApp({}, config);
  });

  afterAll(async () => {
    await server.close();
  });

  it('serves the simulator page with its script from the same origin', async () => {
    const page = await server.request('/simulator');
    expect(page.status).toBe(200);
    await expect(page.text()).resolves.toContain('<script src="/simulator/app.js"></script>');
    const script = await server.request('/simulator/app.js');
    expect(script.headers.get('content-type')).toContain('javascript');
  });

  it('posts a signed webhook for what the person types and shows the secure-chat button the fake Graph API received', async () => {
    const psid = newPsid();
    const sent = await server.request('/simulator/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ psid, text: 'I lost my card, my number is 4111 1111 1111 1111' }),
    });
    expect(sent.status).toBe(202);
    await expect(sent.json()).resolves.toEqual({ status: 200 });

    let replies: SimulatedReply[] = [];
    const deadline = Date.now() + 20_000;
    while (replies.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      replies = (await (await server.request(`/simulator/replies?psid=${psid}`)).json()) as SimulatedReply[];
    }
    expect(replies).toHaveLength(1);
    const [reply] = replies;
    expect(reply!.buttons).toHaveLength(1);
    expect(reply!.buttons[0]!.url).toMatch(new RegExp(`^${server.config.publicBaseUrl}/s/[A-Za-z0-9_.-]+$`));
    expect(reply!.text).not.toContain('4111');
  });

  it('refuses a malformed simulated message', async () => {
    const response = await server.request('/simulator/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ psid: 'x', text: 'hi' }) });
    expect(response.status).toBe(400);
  });
});
