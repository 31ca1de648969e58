import { Module } from '@nestjs/common';
import { HandoffModule } from '../handoff/handoff.module.js';
import { TriggersModule } from '../triggers/triggers.module.js';
import { ConversationReactionsService } from './conversation-reactions.service.js';
import { IntakeWriterService } from './intake-writer.service.js';
import { MessengerSignatureGuard } from './messenger-signature.guard.js';
import { WebhookIntakeService } from './webhook-intake.service.js';
import { WebhookController } from './webhook.controller.js';

@Module({
  imports: [TriggersModule, HandoffModule],
  controllers: [WebhookController],
  providers: [MessengerSignatureGuard, WebhookIntakeService, IntakeWriterService, ConversationReactionsService],
})
export class WebhookModule {}
