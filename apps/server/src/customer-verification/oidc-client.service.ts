import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** The bank's OpenID Connect callback, under the secure-link prefix. Register it at the provider. */
export const OIDC_CALLBACK_PATH = '/s/verify/callback';

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface VerifiedLogin {
  subject: string;
  claims: Record<string, unknown>;
}

/**
 * The one wrapper around openid-client (authorization code flow, PKCE S256, state, nonce, ID token
 * validation). Discovery happens on first use and is retried after a failure.
 */
@Injectable()
export class OidcClientService {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get redirectUri(): string {
    return `${this.config.publicBaseUrl}${OIDC_CALLBACK_PATH}`;
  }

  async authorizationRequest(): Promise<AuthorizationRequest> {
    const settings = this.settings();
    const configuration = await this.discover();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const scope = new Set(['openid', ...settings.scopes.split(' ')]);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: [...scope].join(' '),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** Exchanges the callback's code; throws unless state, PKCE, nonce and the ID token all check out. */
  async complete(callbackQuery: string, expected: { state: string; nonce: string; codeVerifier: string }): Promise<VerifiedLogin> {
    const configuration = await this.discover();
    // The URL we registered, never one built from the Host header.
    const currentUrl = new URL(`${this.redirectUri}?${callbackQuery}`);
    const tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: expected.codeVerifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims || typeof idClaims.sub !== 'string') throw new Error('no ID token subject');
    let claims: Record<string, unknown> = { ...idClaims };
    const settings = this.settings();
    // Providers that keep scope claims out of the ID token (OIDC core 5.4) return them from userinfo.
    if ((claims[settings.claimName] === undefined || claims[settings.claimCustomerNumber] === undefined) && tokens.access_token) {
      const userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      claims = { ...userInfo, ...claims };
    }
    return { subject: idClaims.sub, claims };
  }

  private settings(): NonNullable<AppConfig['oidc']> {
    if (!this.config.oidc) throw new Error('OIDC is not configured');
    return this.config.oidc;
  }

  private discover(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const settings = this.settings();
      const insecure = this.config.nodeEnv !== 'production' && settings.issuer.startsWith('http:');
      this.configuration = oidc
        .discovery(new URL(settings.issuer), settings.clientId, undefined, oidc.ClientSecretBasic(settings.clientSecret), {
          execute: insecure ? [oidc.allowInsecureRequests] : [],
        })
        .catch((error: unknown) => {
          this.configuration = null;
          throw error;
        });
    }
    return this.configuration;
  }
}
