import { describe, expect, it } from '@jest/globals';
import { safeRequestPath, stripControlCharacters } from './log-redaction.js';

describe('safeRequestPath', () => {
  it('drops the query string, where verify and access tokens travel', () => {
    expect(safeRequestPath('/webhooks/messenger?hub.verify_token=secret&hub.challenge=1')).toBe('/webhooks/messenger');
  });
  it('hides secure-link tokens', () => {
    expect(safeRequestPath('/s/eyJhbGciOiJIUzI1NiJ9.abc.def')).toBe('/s/:token');
    expect(safeRequestPath('/s/eyJhbGciOiJIUzI1NiJ9.abc.def/extra')).toBe('/s/:token/extra');
    expect(safeRequestPath('/%73/eyJhbGciOiJIUzI1NiJ9.abc.def')).toBe('/s/:token');
    expect(safeRequestPath('//s/eyJhbGciOiJIUzI1NiJ9.abc.def')).toBe('/s/:token');
  });
});

describe('stripControlCharacters', () => {
  it('turns CR/LF into spaces so a line cannot be forged', () => {
    expect(stripControlCharacters('a\r\n{"level":50}')).toBe('a  {"level":50}');
  });
});
