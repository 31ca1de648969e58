import { describe, expect, it } from '@jest/globals';
import { stackFrames } from './global-exception.filter.js';

describe('stackFrames', () => {
  it('keeps the frames and drops every line of the message, however many it has', () => {
    const error = new Error('invalid input syntax for type uuid: "x\nIBAN DE89370400440532013000\ncard 4111111111111111"');
    const frames = stackFrames(error);
    expect(frames).toMatch(/^\s+at /);
    expect(frames).not.toContain('DE89');
    expect(frames).not.toContain('4111');
    expect(frames).not.toContain('invalid input');
  });
});
