import { describe, expect, it } from '@jest/globals';
import { escapeHtml, landingPage, linkUnavailablePage, pageHeaders } from './secure-link.pages.js';

describe('secure-link pages', () => {
  it('escapes a bank name that carries markup', () => {
    const page = landingPage('<script>alert(1)</script> & "Bank"', []);
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bank&quot;');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('allows only its own nonce-bearing style, no script, and forms to itself plus the given login origin', () => {
    const page = landingPage('Bank', ['https://login.bank.example']);
    const csp = page.headers['content-security-policy']!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(page.html).toContain(`<style nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self' https://login.bank.example");
    expect(csp).not.toContain('script-src');
    expect(page.html).not.toMatch(/<script/i);
  });

  it('uses a fresh nonce per page and the same words for every failure', () => {
    const a = linkUnavailablePage();
    const b = linkUnavailablePage();
    expect(a.headers['content-security-policy']).not.toBe(b.headers['content-security-policy']);
    expect(a.html.replace(/nonce="[^"]+"/, '')).toBe(b.html.replace(/nonce="[^"]+"/, ''));
    expect(pageHeaders('n')).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex, nofollow, noarchive' });
  });
});
