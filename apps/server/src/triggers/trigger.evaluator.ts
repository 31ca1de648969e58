import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { byPriority, CompiledTrigger, decide } from './trigger-matcher.js';
import { TriggerRepository } from './trigger.repository.js';
import type { TriggerDecision, TriggerEvaluationInput, TriggerVersion } from './trigger.types.js';

/**
 * The in-memory trigger set of this instance and the decision the webhook asks for, synchronously,
 * inside its transaction. The set is reloaded whole and swapped atomically when a change is
 * announced (TriggerChangeListener), after this instance's own changes, and periodically.
 */
@Injectable()
export class TriggerEvaluator implements OnApplicationBootstrap {
  private readonly logger = new Logger(TriggerEvaluator.name);
  private triggers: readonly CompiledTrigger[] = [];
  private byId = new Map<string, CompiledTrigger>();
  private inFlight: Promise<void> | null = null;
  private pending = false;
  private readonly decisions;
  private readonly reloads;

  constructor(
    private readonly repository: TriggerRepository,
    metrics: MetricsService,
  ) {
    this.decisions = metrics.counter('trigger_decisions_total', 'Trigger evaluations by outcome (handoff, warn, none)', ['outcome']);
    this.reloads = metrics.counter('trigger_set_reloads_total', 'Reloads of the in-memory trigger set, by result', ['result']);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
  }

  /** The trigger that fires for this message, or null. Pure and in memory. */
  evaluate(input: TriggerEvaluationInput): TriggerDecision | null {
    const decision = decide(this.triggers, input);
    this.decisions.inc({ outcome: decision ? decision.action.type : 'none' });
    return decision;
  }

  /** For the dry run: no page means every scope; `triggerId` tests that trigger alone, even disabled. */
  dryRun(input: Omit<TriggerEvaluationInput, 'pageId'> & { pageId: string | null }, triggerId?: string): TriggerDecision | null {
    if (triggerId === undefined) return decide(this.triggers, input);
    const one = this.byId.get(triggerId);
    return one ? decide([one], input, { includeDisabled: true }) : null;
  }

  has(triggerId: string): boolean {
    return this.byId.has(triggerId);
  }

  get size(): number {
    return this.triggers.length;
  }

  /** Reloads from the database; concurrent calls coalesce into at most one more load. */
  reload(): Promise<void> {
    if (this.inFlight) {
      this.pending = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.pending = false;
          await this.loadOnce();
        } while (this.pending);
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private async loadOnce(): Promise<void> {
    let versions: TriggerVersion[];
    try {
      versions = await this.repository.current();
    } catch (error) {
      this.reloads.inc({ result: 'failed' });
      throw error;
    }
    const compiled: CompiledTrigger[] = [];
    for (const version of versions) {
      try {
        compiled.push(new CompiledTrigger(version));
      } catch {
        // Saved triggers were validated; one that no longer compiles is skipped, not fatal.
        this.logger.error({ triggerId: version.id, version: version.version }, 'trigger does not compile; skipped');
      }
    }
    compiled.sort(byPriority);
    this.triggers = compiled;
    this.byId = new Map(compiled.map((t) => [t.id, t]));
    this.reloads.inc({ result: 'ok' });
  }
}
