import { randomBytes } from 'node:crypto';
import { StaffService } from '../../apps/server/src/identity/staff.service.js';
import type { StaffRole } from '../../apps/server/src/identity/staff-role.js';
import type { TestApp } from './test-app.js';

export interface TestStaff {
  id: string;
  email: string;
  password: string;
  role: StaffRole;
}

export interface SignedInStaff extends TestStaff {
  accessToken: string;
  refreshToken: string;
  /** headers for an authenticated JSON request */
  headers: Record<string, string>;
}

/** A staff account with a unique e-mail, created directly through the service (no token needed). */
export async function createStaff(server: TestApp, role: StaffRole, overrides: { skills?: string[]; maxConcurrentChats?: number } = {}): Promise<TestStaff> {
  const email = `${role}-${randomBytes(6).toString('hex')}@test.example`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const created = await server.app.get(StaffService).create(
    { email, displayName: `Test ${role}`, role, password, ...overrides },
    { staffId: null, origin: 'test' },
  );
  return { id: created.id, email, password, role };
}

/** Creates a staff account and signs it in through the real login route. */
export async function signInAs(server: TestApp, role: StaffRole, overrides: { skills?: string[]; maxConcurrentChats?: number } = {}): Promise<SignedInStaff> {
  const staff = await createStaff(server, role, overrides);
  const response = await server.request('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: staff.email, password: staff.password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { accessToken: string; refreshToken: string };
  return {
    ...staff,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    headers: { authorization: `Bearer ${body.accessToken}`, 'content-type': 'application/json' },
  };
}
