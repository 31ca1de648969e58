import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';

/**
 * Handoff ids as they end, for the realtime gateway: a revoked or closed handoff's customer socket
 * must be disconnected (SECURITY.md 16). Emitted after the transaction commits, in this instance.
 */
@Injectable()
export class HandoffEvents implements OnModuleDestroy {
  private readonly revoked = new Subject<string>();
  private readonly closed = new Subject<string>();

  get revoked$(): Observable<string> {
    return this.revoked.asObservable();
  }

  get closed$(): Observable<string> {
    return this.closed.asObservable();
  }

  emitRevoked(handoffId: string): void {
    this.revoked.next(handoffId);
  }

  emitClosed(handoffId: string): void {
    this.closed.next(handoffId);
  }

  onModuleDestroy(): void {
    this.revoked.complete();
    this.closed.complete();
  }
}
