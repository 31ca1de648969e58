import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A bank customer at the test identity provider. */
export interface TestUser {
  id: string;
  password: string;
  name: string;
  customerNumber: string;
}

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: Map<string, TestUser>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (oidc-provider) in this process, standing in for the bank's: one
 * confidential client, test users with passwords, and a minimal interaction UI (login, consent,
 * abort) that tests drive with fetch (see OidcBrowser).
 */
export async function startTestIdentityProvider(options: { redirectUri: string; users: TestUser[] }): Promise<TestIdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'secure-handoff';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  const users = new Map(options.users.map((u) => [u.id, u]));

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], profile: ['name', 'customer_number'] },
    findAccount: async (_ctx, id) => {
      const user = users.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, name: user.name, customer_number: user.customerNumber }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: ['test-cookie-signing-key-0123456789'] },
  });
  provider.proxy = false;
  const callback = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    const match = /^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (!match) {
      callback(req, res);
      return;
    }
    void interaction(match[2] ?? 'show', req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('interaction error');
    });
  });

  async function interaction(step: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (step === 'show') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    if (step === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
      return;
    }
    if (step === 'login') {
      const user = users.get(form.get('login') ?? '');
      if (!user || user.password !== form.get('password')) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong user name or password');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
      return;
    }
    // confirm: grant what the client asked for
    const accountId = details.session?.accountId;
    const clientIdParam = String(details.params['client_id']);
    if (!accountId) throw new Error('consent without login');
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: clientIdParam });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Cookies per origin, like a browser would keep them (paths ignored: the provider's are distinct). */
export class OidcBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = this.jar.get(target.origin);
    const headers = new Headers(init.headers);
    if (cookies && cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && new Date(a.split('=')[1]!).getTime() < Date.now()));
      const store = this.jar.get(target.origin) ?? new Map<string, string>();
      if (expired || value === '') store.delete(name);
      else store.set(name, value);
      this.jar.set(target.origin, store);
    }
    return response;
  }

  /** Follows redirects while they stay at `origin`; returns the first answer elsewhere or not a redirect. */
  async follow(url: string, stayAt: string): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const response = await this.fetch(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      const next = new URL(location, current).href;
      if (new URL(next).origin !== stayAt) return { response, url: next };
      current = next;
    }
    throw new Error('too many redirects');
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const store = this.jar.get(origin) ?? new Map<string, string>();
    store.set(name, value);
    this.jar.set(origin, store);
  }
}
