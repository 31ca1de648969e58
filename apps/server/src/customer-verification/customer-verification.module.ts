import { Module } from '@nestjs/common';
import { HandoffModule } from '../handoff/handoff.module.js';
import { CustomerVerificationController } from './customer-verification.controller.js';
import { CustomerVerificationService } from './customer-verification.service.js';
import { OidcClientService } from './oidc-client.service.js';

/** CUSTOMER_VERIFICATION=oidc: the customer signs in at the bank after redeeming the link. */
@Module({
  imports: [HandoffModule],
  controllers: [CustomerVerificationController],
  providers: [OidcClientService, CustomerVerificationService],
})
export class CustomerVerificationModule {}
