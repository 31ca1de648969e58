import { describe, expect, it, jest } from '@jest/globals';
import { type ArgumentsHost, Logger } from '@nestjs/common';
import { GlobalExceptionFilter, stackFrames } from './global-exception.filter.js';

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

describe(GlobalExceptionFilter.name, () => {
  const run = (raw: { complete: boolean; readableAborted: boolean }): { logged: number; status: number | null } => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    let status: number | null = null;
    const reply = {
      sent: false,
      status(code: number) {
        status = code;
        return this;
      },
      header() {
        return this;
      },
      send() {
        return this;
      },
    };
    const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ id: 'req-1', raw }), getResponse: () => reply }) } as unknown as ArgumentsHost;
    try {
      new GlobalExceptionFilter().catch(new Error('db down'), host);
      return { logged: logged.mock.calls.length, status };
    } finally {
      logged.mockRestore();
    }
  };

  it('logs a server error, also when the client has left before the answer', () => {
    expect(run({ complete: true, readableAborted: false })).toEqual({ logged: 1, status: 500 });
    expect(run({ complete: true, readableAborted: true })).toEqual({ logged: 1, status: 500 });
  });

  it('does not log the failure to read a body the client stopped sending', () => {
    expect(run({ complete: false, readableAborted: true })).toEqual({ logged: 0, status: 500 });
  });
});
