import { Global, Module } from '@nestjs/common';
import { TriggerChangeListener } from './trigger-change.listener.js';
import { TriggerEvaluator } from './trigger.evaluator.js';
import { TriggerRepository } from './trigger.repository.js';
import { TriggersController } from './triggers.controller.js';
import { TriggersService } from './triggers.service.js';

/** Triggers: versions, admin API, dry run, and the in-memory set the webhook evaluates
 * (TriggerEvaluator, exported; global so the webhook and handoff modules can inject it). */
@Global()
@Module({
  controllers: [TriggersController],
  providers: [TriggerRepository, TriggerEvaluator, TriggerChangeListener, TriggersService],
  exports: [TriggerEvaluator, TriggersService],
})
export class TriggersModule {}
