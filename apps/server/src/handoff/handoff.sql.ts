/**
 * The single-use decision: one conditional UPDATE. Concurrent redemptions queue on the row lock;
 * each re-checks the state after the winner commits and finds it no longer offered/opened.
 * $1 handoff id, $2 nonce hash, $3 now (the injected clock), $4 verification method.
 */
export const REDEEM_SQL = `UPDATE handoffs h SET state = 'redeemed', redeemed_at = $3, verification_method = $4, updated_at = $3
  WHERE h.id = $1 AND h.state IN ('offered', 'opened') AND h.expires_at > $3
    AND EXISTS (SELECT 1 FROM handoff_links l WHERE l.handoff_id = h.id AND l.nonce_hash = $2)
  RETURNING h.id, h.conversation_id`;
