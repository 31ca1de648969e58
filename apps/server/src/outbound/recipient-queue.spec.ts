import { describe, expect, it } from '@jest/globals';
import type { AppConfig } from '../config/app-config.js';
import { RECIPIENT_QUEUES, recipientQueue } from './outbox.service.js';

describe('recipientQueue', () => {
  const config = { outbox: { jobsNamespace: 'bank-a' } } as AppConfig;

  it('gives a recipient the same queue every time, in the deployment namespace', () => {
    expect(recipientQueue(config, '1000', '7000000000000001')).toBe(recipientQueue(config, '1000', '7000000000000001'));
    expect(recipientQueue(config, '1000', '7000000000000001')).toMatch(/^bank-a:recipients:\d+$/);
  });

  it('spreads any number of recipients over a fixed set of queues', () => {
    const names = new Set<string>();
    const perQueue = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const name = recipientQueue(config, '1000', String(7_000_000_000_000_000n + BigInt(i * 7919)));
      names.add(name);
      perQueue.set(name, (perQueue.get(name) ?? 0) + 1);
    }
    expect(names.size).toBe(RECIPIENT_QUEUES);
    // evenly: no queue holds more than twice its share
    expect(Math.max(...perQueue.values())).toBeLessThan((2 * 20_000) / RECIPIENT_QUEUES);
  });
});
