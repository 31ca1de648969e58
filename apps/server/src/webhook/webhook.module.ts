import { Module } from '@nestjs/common';
import { ConversationReactionsService } from './conversation-reactions.service.js';
import { MessengerSignatureGuard } from './messenger-signature.guard.js';
import { WebhookIntakeService } from './webhook-intake.service.js';
import { WebhookController } from './webhook.controller.js';

@Module({
  controllers: [WebhookController],
  providers: [MessengerSignatureGuard, WebhookIntakeService, ConversationReactionsService],
})
export class WebhookModule {}
