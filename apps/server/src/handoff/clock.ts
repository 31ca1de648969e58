import { Injectable } from '@nestjs/common';

/**
 * The time every handoff decision uses (link expiry, redemption, sessions, the expiry sweep),
 * passed to SQL as a parameter rather than `now()`, so tests can move it (jest.spyOn(clock, 'now')).
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
