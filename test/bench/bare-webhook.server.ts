import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

/**
 * The floor for a durable webhook on this machine: a bare Fastify route that checks the HMAC over
 * the raw bytes and does one INSERT of the same row with pg. Run by webhook.bench.ts.
 */
const port = Number(process.env.PORT);
const secret = process.env.APP_SECRET ?? '';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), page_id text NOT NULL, psid text NOT NULL, mid text UNIQUE,
  redacted_text text, sent_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);

const app = Fastify({ bodyLimit: 1024 * 1024 });
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/webhooks/messenger', async (request, reply) => {
  const raw = request.body as Buffer;
  const header = String(request.headers['x-hub-signature-256'] ?? '');
  const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(raw).digest('hex'));
  const given = Buffer.from(header);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.status(403).send('Forbidden');
  const body = JSON.parse(raw.toString('utf8')) as { entry: { id: string; messaging: { sender: { id: string }; timestamp: number; message: { mid: string; text: string } }[] }[] };
  const event = body.entry[0]!.messaging[0]!;
  await pool.query(`INSERT INTO bare_messages (page_id, psid, mid, redacted_text, sent_at) VALUES ($1, $2, $3, $4, $5)`, [
    body.entry[0]!.id,
    event.sender.id,
    event.message.mid,
    event.message.text,
    new Date(event.timestamp),
  ]);
  return reply.send('EVENT_RECEIVED');
});
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void app.close().then(() => pool.end()).then(() => process.exit(0));
});
