import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { LoginAttemptCounter } from './login-attempt.counter.js';
import { PasswordHasher } from './password-hasher.js';
import { StaffAuthGuard } from './staff-auth.guard.js';
import { StaffTokenService } from './staff-token.service.js';
import { StaffController } from './staff.controller.js';
import { StaffService } from './staff.service.js';

/** Staff accounts, sign-in and the global /api/v1 role guard. Global so the realtime gateway can
 * verify agent tokens with StaffTokenService. */
@Global()
@Module({
  controllers: [AuthController, StaffController],
  providers: [PasswordHasher, StaffTokenService, LoginAttemptCounter, AuthService, StaffService, { provide: APP_GUARD, useClass: StaffAuthGuard }],
  exports: [StaffTokenService, StaffService],
})
export class IdentityModule {}
