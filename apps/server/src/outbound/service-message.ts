/** Marks the Send API calls this service makes (their `metadata`), so their echoes are recognised
 * as the service's own messages. */
export const SERVICE_MESSAGE_METADATA = 'secure-handoff';
