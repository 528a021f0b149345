// The lab's databases (issue 13, item 7): which client runs which database container, and the
// known rows each one starts with. Opt-in (RF_LAB_DATABASES=1) so the default lab starts as fast as before.
import { clientName } from './config.js';

export type DbEngine = 'postgres' | 'mariadb';

export interface LabDatabase {
  /** Client number (1 = client01.example.com); placed only when the lab has that many clients. */
  client: number;
  engine: DbEngine;
  /** Inner container name on that client's engine, and its named volume. */
  container: string;
  volume: string;
}

export const DB_IMAGES: Record<DbEngine, string> = {
  postgres: 'restic-fleet/postgres:lab',
  mariadb: 'restic-fleet/mariadb:lab',
};

/** Where the data lives in each image (the volume's mount point), as in the official images. */
export const DB_DATA_DIR: Record<DbEngine, string> = {
  postgres: '/var/lib/postgresql/data',
  mariadb: '/var/lib/mysql',
};

/** Postgres on client01 (bookworm, restic 0.14) and client02 (trixie, restic 0.18); mariadb on client02. */
export const LAB_DATABASES: readonly LabDatabase[] = [
  { client: 1, engine: 'postgres', container: 'postgres', volume: 'postgres_data' },
  { client: 2, engine: 'postgres', container: 'postgres', volume: 'postgres_data' },
  { client: 2, engine: 'mariadb', container: 'mariadb', volume: 'mariadb_data' },
];

/** Every database container starts with database DB_NAME, table DB_TABLE, rows id 1..SEED_ROWS named `item-<id>`. */
export const DB_NAME = 'appdb';
export const DB_TABLE = 'items';
export const SEED_ROWS = 1000;

export const databasesWanted = (): boolean => process.env.RF_LAB_DATABASES === '1';

/** The databases of a lab with `clients` clients, with their host names. */
export const labDatabases = (clients: number): Array<LabDatabase & { host: string }> =>
  LAB_DATABASES.filter((d) => d.client <= clients).map((d) => ({ ...d, host: clientName(d.client) }));
