import { describe, expect, it } from '@jest/globals';
import { CUSTOMER_SESSION_COOKIE, CustomerSessionService, hashSessionToken, readCookie } from './customer-session.service.js';

describe(CustomerSessionService.name, () => {
  it('reads one cookie from a Cookie header, first occurrence, exact name', () => {
    expect(readCookie(`a=1; ${CUSTOMER_SESSION_COOKIE}=abc; x${CUSTOMER_SESSION_COOKIE}=no`, CUSTOMER_SESSION_COOKIE)).toBe('abc');
    expect(readCookie(`${CUSTOMER_SESSION_COOKIE}=first; ${CUSTOMER_SESSION_COOKIE}=second`, CUSTOMER_SESSION_COOKIE)).toBe('first');
    expect(readCookie('other=1', CUSTOMER_SESSION_COOKIE)).toBeNull();
    expect(readCookie(undefined, CUSTOMER_SESSION_COOKIE)).toBeNull();
    expect(readCookie('x'.repeat(9000), CUSTOMER_SESSION_COOKIE)).toBeNull();
  });

  it('builds a __Host- cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const cookie = CustomerSessionService.cookie('v', new Date(now.getTime() + 3600_000), now);
    expect(cookie).toBe(`${CUSTOMER_SESSION_COOKIE}=v; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict`);
    expect(CUSTOMER_SESSION_COOKIE.startsWith('__Host-')).toBe(true);
    expect(CustomerSessionService.clearedCookie()).toContain('Max-Age=0');
  });

  it('stores a 32-byte SHA-256 of the cookie value', () => {
    expect(hashSessionToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('opens the chat to verified sessions, or to any session when verification is not required', () => {
    const base = { sessionId: 's', handoffId: 'h', conversationId: 'c', pageId: 'p', expiresAt: new Date() };
    expect(CustomerSessionService.canChat({ ...base, handoffState: 'redeemed', verificationMethod: 'oidc' })).toBe(false);
    expect(CustomerSessionService.canChat({ ...base, handoffState: 'verified', verificationMethod: 'oidc' })).toBe(true);
    expect(CustomerSessionService.canChat({ ...base, handoffState: 'redeemed', verificationMethod: 'none' })).toBe(true);
  });
});
