// Starts the lab's database containers on the clients' inner engines (see db-config.ts for
// which client runs which) and seeds their known rows. Idempotent: a container already
// running the current image is left alone. lifecycle.ts calls it after up/reuse/reset when
// RF_LAB_DATABASES=1; the database e2e tests call ensureDatabases() themselves.
import { randomBytes } from 'node:crypto';
import { DB_IMAGES, DB_NAME, DB_TABLE, databasesWanted, labDatabases, SEED_ROWS, type DbEngine, type LabDatabase } from './db-config.js';
import { ensureDbImages } from './db-images.js';
import { withLabLock } from './lock.js';
import { docker, mustDocker, pool, timed } from './run.js';
import { readState } from './state.js';
import { stateDir } from './config.js';

interface HostRef {
  name: string;
  container: string;
}

/** The container's env as the official images read it; a fresh random password per container. */
function containerEnv(engine: DbEngine): string {
  const password = randomBytes(18).toString('hex');
  const env = engine === 'postgres'
    ? { POSTGRES_PASSWORD: password, POSTGRES_DB: DB_NAME }
    : { MARIADB_ROOT_PASSWORD: password, MARIADB_DATABASE: DB_NAME };
  return Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join('');
}

async function setupOne(host: HostRef, db: LabDatabase, imageId: string): Promise<void> {
  const r = await docker(
    ['exec', '-i', host.container, 'sh', '/opt/rf-lab/lab-db.sh', 'setup', db.engine, db.container, db.volume, DB_IMAGES[db.engine], imageId, DB_NAME, DB_TABLE, String(SEED_ROWS)],
    { input: containerEnv(db.engine), timeoutSeconds: 240 },
  );
  if (r.code !== 0) throw new Error(`${host.name}: database ${db.container} (${db.engine}) failed (exit ${r.code ?? 'timeout'}):\n${r.stderr.trim()}`);
}

/** Builds/loads the database images and brings every database of a lab with `clients` clients up, seeded. */
export async function ensureLabDatabases(hosts: readonly HostRef[], clients: number): Promise<void> {
  await ensureDbImages();
  const ids = Object.fromEntries(
    await Promise.all(
      (Object.entries(DB_IMAGES) as Array<[DbEngine, string]>).map(async ([engine, ref]) =>
        [engine, (await mustDocker(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutSeconds: 30 })).trim()] as const),
    ),
  ) as Record<DbEngine, string>;
  const wanted = labDatabases(clients);
  const byHost = [...new Set(wanted.map((d) => d.host))];
  await pool(byHost, 4, async (name) => {
    const host = hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no lab host ${name} for its database`);
    // One host at a time per engine: the first loads the image set, the next finds it.
    for (const db of wanted.filter((d) => d.host === name)) await setupOne(host, db, ids[db.engine]);
  });
}

/** The lifecycle hook: databases only when RF_LAB_DATABASES=1 (the default lab starts as fast as before). */
export async function labDatabasesIfWanted(hosts: readonly HostRef[], clients: number): Promise<void> {
  if (databasesWanted()) await timed('databases', () => ensureLabDatabases(hosts, clients));
}

/** For tests: the running lab gets its databases (a no-op when they run already), under the lab lock. */
export function ensureDatabases(): Promise<void> {
  return withLabLock(async () => {
    const state = readState();
    if (!state) throw new Error(`no lab in ${stateDir()}: bring it up first`);
    await timed('databases', () => ensureLabDatabases(state.hosts, state.clients));
  });
}
