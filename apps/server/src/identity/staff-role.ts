export const STAFF_ROLES = ['admin', 'supervisor', 'agent'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is calling, as the access token and the database agree right now. */
export interface StaffPrincipal {
  staffId: string;
  sessionId: string;
  email: string;
  displayName: string;
  role: StaffRole;
}
