import { describe, expect, it } from '@jest/globals';
import type { JobHelpers } from 'graphile-worker';
import { withoutErrorMessages } from './outbox.worker.js';

describe('withoutErrorMessages', () => {
  const helpers = {} as JobHelpers;

  it("fails with the error's type and code only, never its message", async () => {
    const pgError = Object.assign(new Error('invalid input syntax for type uuid: "card 4111111111111111"'), { code: '22P02' });
    const task = withoutErrorMessages(async () => {
      throw pgError;
    });
    await expect(task({}, helpers)).rejects.toThrow('task failed: Error (22P02)');
    await expect(task({}, helpers)).rejects.not.toThrow(/4111/);
  });

  it('passes a task that succeeds through', async () => {
    let ran = false;
    await withoutErrorMessages(async () => {
      ran = true;
    })({}, helpers);
    expect(ran).toBe(true);
  });
});
