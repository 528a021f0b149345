// Database helpers for e2e tests: the lab's postgres and mariadb containers (lab/db-config.ts)
// reached the way restic-fleet reaches a host: root over the lab's SSH, then `docker exec`
// into the container, credentials from the container's own environment (never argv).
import { NodeSSH } from 'node-ssh';
import { DB_NAME, DB_TABLE, labDatabases, type DbEngine } from '../../../lab/db-config.js';
import { sh, type ShellText } from '../../../src/remote/shell.js';
import { labState, sshConfig } from './lab.js';

export { DB_NAME, DB_TABLE, SEED_ROWS, type DbEngine } from '../../../lab/db-config.js';
export { ensureDatabases } from '../../../lab/db-lab.js';

/** One database container on one lab client. */
export interface DbTarget {
  host: string; // e.g. client01.example.com
  engine: DbEngine;
  container: string;
  volume: string;
  database: string;
}

/** The lab's database containers (those its client count allows). */
export function labDbTargets(): DbTarget[] {
  return labDatabases(labState().clients).map((d) => ({ host: d.host, engine: d.engine, container: d.container, volume: d.volume, database: DB_NAME }));
}

/** The lab's database of `engine` on client `host`. */
export function dbTarget(host: string, engine: DbEngine): DbTarget {
  const t = labDbTargets().find((d) => d.host === host && d.engine === engine);
  if (!t) throw new Error(`the lab has no ${engine} database on ${host}`);
  return t;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs shell text as root on a lab host over SSH (stdin optional). */
export async function sshExec(host: string, cmd: ShellText, stdin?: string): Promise<SshResult> {
  const ssh = await new NodeSSH().connect(sshConfig(host));
  try {
    const r = await ssh.execCommand(cmd.text, stdin === undefined ? {} : { stdin });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  } finally {
    ssh.dispose();
  }
}

/**
 * The database's own command-line client in its container, reading SQL on stdin and printing
 * rows tab-separated without headers. mariadb's root password comes from the container's env.
 */
export function sqlClient(t: DbTarget, opts: { database?: string; stopOnError?: boolean } = {}): ShellText {
  const db = opts.database ?? t.database;
  const stop = opts.stopOnError ?? true;
  if (t.engine === 'postgres') {
    return sh`docker exec -i ${t.container} psql -X -q -At -v ${`ON_ERROR_STOP=${stop ? 1 : 0}`} -U postgres -d ${db}`;
  }
  const inner = 'MYSQL_PWD="${MARIADB_ROOT_PASSWORD:-$MYSQL_ROOT_PASSWORD}" exec mariadb -uroot -N -B "$@"';
  return sh`docker exec -i ${t.container} sh -c ${inner} sh ${stop ? [] : ['--force']} ${db}`;
}

/** The database's dump of one database to stdout (pg_dump / mariadb-dump), as the tool would run it. */
export function dumpCommand(t: DbTarget, database = t.database): ShellText {
  if (t.engine === 'postgres') return sh`docker exec ${t.container} pg_dump -U postgres ${database}`;
  const inner = 'MYSQL_PWD="${MARIADB_ROOT_PASSWORD:-$MYSQL_ROOT_PASSWORD}" exec mariadb-dump -uroot --single-transaction "$@"';
  return sh`docker exec ${t.container} sh -c ${inner} sh ${database}`;
}

/** Runs SQL text in the container; throws with stderr when the client fails. Returns stdout. */
export async function runSql(t: DbTarget, sql: string, opts: { database?: string; stopOnError?: boolean } = {}): Promise<string> {
  const r = await sshExec(t.host, sqlClient(t, opts), sql.endsWith('\n') ? sql : `${sql}\n`);
  if (r.code !== 0) throw new Error(`${t.host} ${t.container}: SQL failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a SQL file that lies on the client host (e.g. a dump restored from a snapshot) with psql / mariadb. */
export async function runSqlFile(t: DbTarget, hostPath: string, opts: { database?: string; stopOnError?: boolean } = {}): Promise<string> {
  const r = await sshExec(t.host, sh`${sqlClient(t, opts)} < ${hostPath}`);
  if (r.code !== 0) throw new Error(`${t.host} ${t.container}: ${hostPath} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Inserts rows id from..from+count-1 named `item-<id>` into the table (as the lab seeds them). */
export async function insertRows(t: DbTarget, from: number, count: number, table = DB_TABLE): Promise<void> {
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 1 || count < 1) throw new Error(`bad row range ${from}+${count}`);
  const to = from + count - 1;
  const ident = identifier(table);
  await runSql(
    t,
    t.engine === 'postgres'
      ? `INSERT INTO ${ident} SELECT g, 'item-' || g FROM generate_series(${from}, ${to}) AS g;`
      : `INSERT INTO ${ident} SELECT seq, CONCAT('item-', seq) FROM seq_${from}_to_${to};`,
  );
}

/** The table's row count; throws when the table does not exist. */
export async function countRows(t: DbTarget, table = DB_TABLE): Promise<number> {
  const out = (await runSql(t, `SELECT COUNT(*) FROM ${identifier(table)};`)).trim();
  if (!/^\d+$/.test(out)) throw new Error(`${t.host} ${t.container}: unexpected count output: ${out}`);
  return Number(out);
}

/** Whether the table exists (without failing when it does not). */
export async function tableExists(t: DbTarget, table = DB_TABLE): Promise<boolean> {
  const q = t.engine === 'postgres'
    ? `SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '${identifier(table)}';`
    : `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${identifier(table)}';`;
  return (await runSql(t, q)).trim() === '1';
}

export async function dropTable(t: DbTarget, table = DB_TABLE): Promise<void> {
  await runSql(t, `DROP TABLE ${identifier(table)};`);
}

/** A digest of the table's rows (ids and names in id order): equal digests = the same rows. */
export async function rowsDigest(t: DbTarget, table = DB_TABLE): Promise<string> {
  const ident = identifier(table);
  const q = t.engine === 'postgres'
    ? `SELECT md5(COALESCE(string_agg(id || ':' || name, ',' ORDER BY id), '')) FROM ${ident};`
    : `SET SESSION group_concat_max_len = 67108864; SELECT MD5(COALESCE(GROUP_CONCAT(CONCAT(id, ':', name) ORDER BY id SEPARATOR ','), '')) FROM ${ident};`;
  return (await runSql(t, q)).trim();
}

/** Table names are test constants; only plain identifiers are let into SQL text. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}
