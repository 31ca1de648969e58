import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type DemoSecrets, generateDemoSecrets } from './app-config.js';

/** Keeps demo mode's generated secrets under the data directory (mode 0600), so a restarted demo
 * can still decrypt what it stored and verify the links it sent. */
export function loadOrCreateDemoSecrets(dataDir: string): DemoSecrets {
  const file = path.join(dataDir, 'demo-secrets.json');
  if (existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const secrets = generateDemoSecrets();
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
