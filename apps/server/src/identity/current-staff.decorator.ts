import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { StaffPrincipal } from './staff-role.js';

export type StaffRequest = FastifyRequest & { staff?: StaffPrincipal };

/** The authenticated staff member of this request (set by StaffAuthGuard). */
export const CurrentStaff = createParamDecorator((_data: unknown, context: ExecutionContext): StaffPrincipal => {
  const request = context.switchToHttp().getRequest<StaffRequest>();
  if (!request.staff) throw new Error('CurrentStaff used on a route without staff authentication');
  return request.staff;
});

/** The caller's address, for audit events and rate limits. */
export const ClientAddress = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return request.ip ?? 'unknown';
});
