import { SetMetadata } from '@nestjs/common';
import type { StaffRole } from './staff-role.js';

export const ROLES_KEY = 'handoff:roles';
export const PUBLIC_KEY = 'handoff:public';

/** The roles allowed on an /api/v1 route (or every route of a controller). A route without it is refused. */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES_KEY, roles);

/** An /api/v1 route that needs no staff token (login, refresh). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
