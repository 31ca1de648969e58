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
  it('hides runs of six or more digits, however separated or encoded, and keeps UUIDs whole', () => {
    expect(safeRequestPath('/nowhere/078-05-1120')).toBe('/nowhere/:number');
    expect(safeRequestPath('/api/v1/handoffs/4111%201111%201111%201111/close')).toBe('/api/v1/handoffs/:number/close');
    expect(safeRequestPath('/x/4111.1111.1111.1111')).toBe('/x/:number');
    expect(safeRequestPath('/x/41111%0011111111')).toBe('/x/:number');
    expect(safeRequestPath('/api/v1/handoffs/3f2a9c10-1234-4567-8912-123456789012')).toBe('/api/v1/handoffs/3f2a9c10-1234-4567-8912-123456789012');
    expect(safeRequestPath('/api/v1/pages/2024')).toBe('/api/v1/pages/2024');
    for (const sneaky of ['4.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1', '4%201%201%201%201%201', '4111+1111+1111+1111', '4111,1111,1111,1111', '4111:1111', '4111x1111', '4111 - 1111 - 1111', '4111\u00a01111\u00a01111', '4111\u200b1111\u200b1111', '４１１１１１１１', '12345678-1234-1234-1234-123456789012']) {
      expect(safeRequestPath(`/x/${encodeURIComponent(sneaky)}/y`)).toBe('/x/:number/y');
    }
  });
});

describe('stripControlCharacters', () => {
  it('turns CR/LF into spaces so a line cannot be forged', () => {
    expect(stripControlCharacters('a\r\n{"level":50}')).toBe('a  {"level":50}');
  });
});
