import { Global, Module } from '@nestjs/common';
import { MessengerGraphService } from './messenger-graph.service.js';
import { OutboxDeliveryService } from './outbox-delivery.service.js';
import { OutboxService } from './outbox.service.js';
import { OutboxWorker } from './outbox.worker.js';

@Global()
@Module({
  providers: [MessengerGraphService, OutboxService, OutboxDeliveryService, OutboxWorker],
  exports: [MessengerGraphService, OutboxService, OutboxWorker],
})
export class OutboundModule {}
