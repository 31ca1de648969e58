import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { normalise } from '@handoff/detection';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainException } from '../common/errors/domain.exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { type AppConfig, MAX_LINK_TTL_SECONDS } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { DetectionService } from '../detection/detection.service.js';
import { patternProblem } from './safe-pattern.js';
import type { ActionDto, ConditionsDto, CreateTriggerDto, EvaluateDto, EvaluateView, ScopeDto, UpdateTriggerDto } from './trigger.dto.js';
import { TriggerEvaluator } from './trigger.evaluator.js';
import { TriggerRepository } from './trigger.repository.js';
import type { TriggerAction, TriggerConditions, TriggerDefinition, TriggerScope, TriggerVersion } from './trigger.types.js';

const SEED_LOCK_KEY = 7_406_211_004;
const DEFAULT_MIN_CONFIDENCE = 0.5;
const DEFAULT_MIN_SCORE = 0.5;

export interface TriggerActor {
  staffId: string | null;
  origin: string;
}

/** Trigger administration: every change is a new immutable version, an audit event, and a
 * notification that makes every instance reload its trigger set. */
@Injectable()
export class TriggersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(TriggersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: TriggerRepository,
    private readonly evaluator: TriggerEvaluator,
    private readonly detection: DetectionService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Default triggers, on the very first start (a database that never had any trigger). */
  async onApplicationBootstrap(): Promise<void> {
    const seeded = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
      if ((await this.repository.count(manager)) > 0) return 0;
      const defaults = this.defaultTriggers();
      for (const definition of defaults) await this.insertNew(manager, definition, { staffId: null, origin: 'system' });
      return defaults.length;
    });
    if (seeded > 0) {
      this.logger.log({ count: seeded }, 'default triggers created');
      await this.evaluator.reload();
    }
  }

  list(): Promise<TriggerVersion[]> {
    return this.repository.current();
  }

  async get(id: string): Promise<TriggerVersion> {
    const found = await this.repository.find(id);
    if (!found) throw notFound();
    return found.current;
  }

  async versions(id: string): Promise<TriggerVersion[]> {
    const versions = await this.repository.versions(id);
    if (versions.length === 0) throw notFound();
    return versions;
  }

  async version(id: string, version: number): Promise<TriggerVersion> {
    const found = await this.repository.version(id, version);
    if (!found) throw new DomainException(ErrorCode.NotFound, 'Trigger version not found');
    return found;
  }

  async create(dto: CreateTriggerDto, actor: TriggerActor): Promise<TriggerVersion> {
    const definition = this.validated({
      name: dto.name.trim(),
      description: dto.description?.trim() ?? '',
      enabled: dto.enabled ?? false,
      priority: dto.priority,
      scope: toScope(dto.scope),
      conditions: toConditions(dto.conditions),
      action: this.toAction(dto.action),
    });
    const created = await this.dataSource.transaction((manager) => this.insertNew(manager, definition, actor));
    await this.evaluator.reload();
    return created;
  }

  async update(id: string, dto: UpdateTriggerDto, actor: TriggerActor): Promise<TriggerVersion> {
    return this.change(id, actor, 'updated', (current) => {
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
        throw new DomainException(ErrorCode.Conflict, 'The trigger changed since you read it');
      }
      return this.validated({
        name: dto.name?.trim() ?? current.name,
        description: dto.description?.trim() ?? current.description,
        enabled: dto.enabled ?? current.enabled,
        priority: dto.priority ?? current.priority,
        scope: dto.scope ? toScope(dto.scope) : current.scope,
        conditions: dto.conditions ? toConditions(dto.conditions) : current.conditions,
        action: dto.action ? this.toAction(dto.action) : current.action,
      });
    });
  }

  /** Deletion is a version too: the trigger leaves the active set, its history stays. */
  async remove(id: string, actor: TriggerActor): Promise<TriggerVersion> {
    return this.change(id, actor, 'deleted', (current) => definitionOf(current));
  }

  /** A new version with the content of an old one (validated again: the model may have changed). */
  async restore(id: string, version: number, actor: TriggerActor): Promise<TriggerVersion> {
    const old = await this.version(id, version);
    return this.change(id, actor, 'restored', () => this.validated(definitionOf(old)), version);
  }

  /** The dry run: detection, redaction and the trigger that would fire, with nothing stored. */
  evaluate(dto: EvaluateDto): EvaluateView {
    const detection = this.detection.detect(dto.text);
    const decision = this.evaluator.dryRun(
      { pageId: dto.pageId ?? null, detection, text: normalise(dto.text).text, attachmentTypes: [] },
      dto.triggerId,
    );
    return {
      redactedText: detection.redactedText,
      sensitive: detection.sensitive,
      entities: detection.entities.map((e) => ({ type: e.type, start: e.start, end: e.end, score: e.score })),
      intent: detection.intent
        ? { label: detection.intent.label, confidence: detection.intent.confidence, sensitive: detection.intent.sensitive, theme: detection.intent.theme }
        : null,
      trigger: decision ? { id: decision.triggerId, name: decision.triggerName, version: decision.version, action: decision.action } : null,
      explanation: decision
        ? decision.explanation
        : [dto.triggerId !== undefined && !this.evaluator.has(dto.triggerId) ? 'no such active trigger' : 'no trigger matched'],
    };
  }

  private async change(
    id: string,
    actor: TriggerActor,
    change: 'updated' | 'deleted' | 'restored',
    next: (current: TriggerVersion) => TriggerDefinition,
    restoredFrom: number | null = null,
  ): Promise<TriggerVersion> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const found = await this.repository.find(id, manager, { lock: true });
      if (!found) throw notFound();
      if (change === 'updated' && found.deleted) throw new DomainException(ErrorCode.Conflict, 'The trigger is deleted; restore a version first');
      if (change === 'deleted' && found.deleted) throw notFound();
      const definition = next(found.current);
      const version = await this.repository.addVersion(manager, id, found.current.version + 1, definition, {
        change,
        restoredFrom,
        createdBy: actor.staffId,
      });
      await this.audit.record(
        {
          actor: actor.staffId ? { type: 'staff', id: actor.staffId } : { type: 'system' },
          action: `trigger.${change}`,
          resource: { type: 'trigger', id },
          outcome: 'success',
          origin: actor.origin,
          before: found.current,
          after: version,
          ...(restoredFrom !== null ? { details: { restoredFrom } } : {}),
        },
        manager,
      );
      return version;
    });
    await this.evaluator.reload();
    return saved;
  }

  private async insertNew(manager: EntityManager, definition: TriggerDefinition, actor: TriggerActor): Promise<TriggerVersion> {
    const id = await this.repository.insertTrigger(manager);
    const version = await this.repository.addVersion(manager, id, 1, definition, { change: 'created', restoredFrom: null, createdBy: actor.staffId });
    await this.audit.record(
      {
        actor: actor.staffId ? { type: 'staff', id: actor.staffId } : { type: 'system' },
        action: 'trigger.created',
        resource: { type: 'trigger', id },
        outcome: 'success',
        origin: actor.origin,
        after: version,
      },
      manager,
    );
    return version;
  }

  /** Checks what the DTO decorators cannot: intents and themes of the loaded model, patterns on RE2,
   * at least one condition, no sensitive values in typed text. Throws 400 with a message per field. */
  private validated(definition: TriggerDefinition): TriggerDefinition {
    const problems: Record<string, string[]> = {};
    const add = (field: string, message: string) => (problems[field] ??= []).push(message);
    const c = definition.conditions;
    const kinds = [c.intents, c.entities, c.keywords, c.patterns, c.attachments, c.askedForHuman ? true : undefined].filter((k) => k !== undefined);
    if (kinds.length === 0) add('conditions', 'at least one condition is required');
    if (c.intents) {
      const model = this.detection.model;
      const labels = c.intents.labels ?? [];
      const themes = c.intents.themes ?? [];
      if (labels.length === 0 && themes.length === 0) add('conditions.intents', 'name at least one intent label or theme');
      for (const label of labels) if (!model.labels.includes(label)) add('conditions.intents.labels', `unknown intent "${label.slice(0, 100)}"`);
      for (const theme of themes) if (!model.themes.includes(theme)) add('conditions.intents.themes', `unknown theme "${theme.slice(0, 100)}"`);
    }
    c.patterns?.forEach((pattern, index) => {
      const problem = patternProblem(pattern);
      if (problem) add(`conditions.patterns.${index}`, `pattern ${problem}`);
    });
    c.keywords?.forEach((keyword, index) => {
      if (keyword.trim().length === 0) add(`conditions.keywords.${index}`, 'keyword must not be blank');
    });
    // staff-typed text is stored, audited and (the message) sent through Meta: no sensitive values
    const typed: [string, string][] = [
      ['name', definition.name],
      ['description', definition.description],
      ['action.messageText', definition.action.messageText],
      ...(c.keywords ?? []).map((keyword, index): [string, string] => [`conditions.keywords.${index}`, keyword]),
    ];
    for (const [field, text] of typed) {
      const types = [...new Set(this.detection.detect(text ?? '').entities.map((e) => e.type))];
      if (types.length > 0) add(field, `must not contain sensitive data (found ${types.join(', ')})`);
    }
    if (definition.action.type === 'handoff' && definition.action.linkTtlSeconds > MAX_LINK_TTL_SECONDS) {
      add('action.linkTtlSeconds', `linkTtlSeconds must not be greater than ${MAX_LINK_TTL_SECONDS}`);
    }
    if (Object.keys(problems).length > 0) throw new DomainException(ErrorCode.ValidationFailed, 'Invalid trigger', problems);
    return definition;
  }

  private toAction(dto: ActionDto): TriggerAction {
    if (dto.type === 'warn') return { type: 'warn', messageText: dto.messageText };
    return {
      type: 'handoff',
      queue: dto.queue ?? 'general',
      messageText: dto.messageText,
      linkTtlSeconds: dto.linkTtlSeconds ?? this.config.links.ttlSeconds,
      passThreadControl: dto.passThreadControl ?? false,
      ...(dto.targetAppId ? { targetAppId: dto.targetAppId } : {}),
    };
  }

  private defaultTriggers(): TriggerDefinition[] {
    const handoff = (messageText: string): TriggerAction => ({
      type: 'handoff',
      queue: 'general',
      messageText,
      linkTtlSeconds: this.config.links.ttlSeconds,
      passThreadControl: false,
    });
    const themes = this.detection.model.themes.map(
      (theme): TriggerDefinition => ({
        name: `Sensitive topic: ${theme.replace(/_/g, ' ')}`,
        description: `Moves conversations about ${theme.replace(/_/g, ' ')} to the secure chat (default trigger).`,
        enabled: true,
        priority: 200,
        scope: { type: 'all' },
        conditions: { match: 'any', intents: { themes: [theme], minConfidence: DEFAULT_MIN_CONFIDENCE } },
        action: handoff('We can help with this in our secure chat. Please continue there; please do not share account details here.'),
      }),
    );
    return [
      {
        name: 'Customer asked for a human',
        description: 'Moves the conversation to an agent in the secure chat (default trigger).',
        enabled: true,
        priority: 300,
        scope: { type: 'all' },
        conditions: { match: 'any', askedForHuman: true },
        action: handoff('One of our team will continue with you in our secure chat.'),
      },
      ...themes,
      {
        name: 'Sensitive data shared',
        description: 'Any sensitive data type (card, IBAN, account, SSN, codes...): hidden and moved to the secure chat (default trigger).',
        enabled: true,
        priority: 100,
        scope: { type: 'all' },
        conditions: { match: 'any', entities: { minScore: DEFAULT_MIN_SCORE } },
        action: handoff('For your security, please do not share card numbers, codes or account details on Messenger. We can continue in our secure chat.'),
      },
    ];
  }
}

function notFound(): DomainException {
  return new DomainException(ErrorCode.NotFound, 'Trigger not found');
}

function definitionOf(version: TriggerVersion): TriggerDefinition {
  const { name, description, enabled, priority, scope, conditions, action } = version;
  return { name, description, enabled, priority, scope, conditions, action };
}

function toScope(dto: ScopeDto | undefined): TriggerScope {
  if (!dto || dto.type === 'all') return { type: 'all' };
  return { type: 'pages', pageIds: [...new Set(dto.pageIds ?? [])] };
}

function toConditions(dto: ConditionsDto): TriggerConditions {
  const conditions: TriggerConditions = { match: dto.match };
  if (dto.intents) {
    conditions.intents = {
      ...(dto.intents.labels ? { labels: [...new Set(dto.intents.labels)] } : {}),
      ...(dto.intents.themes ? { themes: [...new Set(dto.intents.themes)] } : {}),
      minConfidence: dto.intents.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
    };
  }
  if (dto.entities) {
    conditions.entities = { ...(dto.entities.types ? { types: [...new Set(dto.entities.types)] } : {}), minScore: dto.entities.minScore ?? DEFAULT_MIN_SCORE };
  }
  if (dto.keywords) conditions.keywords = [...new Set(dto.keywords.map((k) => k.trim()))];
  if (dto.patterns) conditions.patterns = [...new Set(dto.patterns)];
  if (dto.attachments) conditions.attachments = [...new Set(dto.attachments)];
  if (dto.askedForHuman) conditions.askedForHuman = true;
  return conditions;
}
