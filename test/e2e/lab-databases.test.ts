// The lab's database containers (issue 13, item 7): postgres on client01 (restic 0.14) and
// client02 (restic 0.18), mariadb on client02, built from Debian's packages, each with a named
// volume and known rows; they answer the official images' dump commands with credentials from
// their own environment, and a dump restores what a dropped table held.
import { beforeAll, describe, expect, it } from 'vitest';
import { DB_IMAGES, DB_DATA_DIR } from '../../lab/db-config.js';
import { sh } from '../../src/remote/shell.js';
import {
  countRows, dbTarget, dropTable, dumpCommand, ensureDatabases, insertRows, labDbTargets, rowsDigest, runSql, runSqlFile,
  SEED_ROWS, sshExec, tableExists, type DbTarget,
} from './support/databases.js';
import { labState } from './support/lab.js';

const label = (t: DbTarget) => `${t.engine} on ${t.host}`;

describe('lab databases', () => {
  beforeAll(async () => {
    // A no-op when the lab came up with RF_LAB_DATABASES=1; otherwise builds/starts them now.
    await ensureDatabases();
  });

  it('places postgres on client01 (restic 0.14) and client02 (restic 0.18), mariadb on client02', () => {
    const lab = labState();
    expect(lab.clients, 'this file needs a lab with at least 2 clients').toBeGreaterThanOrEqual(2);
    const placed = labDbTargets().map((t) => `${t.host} ${t.engine}`);
    expect(placed).toEqual(['client01.example.com postgres', 'client02.example.com postgres', 'client02.example.com mariadb']);
    const restic = (name: string) => lab.hosts.find((h) => h.name === name)?.restic;
    expect(restic('client01.example.com')).toMatch(/^0\.14\./);
    // client02's kind follows RF_LAB_CLIENT_KIND (mixed by default: trixie, restic 0.18).
    if ((process.env.RF_LAB_CLIENT_KIND ?? 'mixed') === 'mixed') expect(restic('client02.example.com')).toMatch(/^0\.18\./);
  });

  it('runs each database from its image with its named volume, seeded with the known rows', async () => {
    for (const t of labDbTargets()) {
      const r = await sshExec(t.host, sh`docker inspect -f '{{.Config.Image}} {{.State.Running}} {{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}{{end}}' ${t.container}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(`${DB_IMAGES[t.engine]} true volume:${t.volume}:${DB_DATA_DIR[t.engine]}`);
      expect(await countRows(t), label(t)).toBe(SEED_ROWS);
      expect((await runSql(t, 'SELECT name FROM items WHERE id = 42;')).trim()).toBe('item-42');
    }
  });

  it('answers the official images\' dump commands: pg_dump/pg_dumpall as postgres, mariadb-dump/mysqldump only with the env password', async () => {
    const pg = dbTarget('client01.example.com', 'postgres');
    const dump = await sshExec(pg.host, sh`docker exec ${pg.container} pg_dump -U postgres appdb`);
    expect(dump.code, dump.stderr).toBe(0);
    expect(dump.stdout).toContain('CREATE TABLE public.items');
    // Since 15.14 the end marker is followed by `\unrestrict <key>`: a drill must not insist on it being last.
    expect(dump.stdout).toMatch(/-- PostgreSQL database dump complete\n--\s*(\\unrestrict \S+)?\s*$/);
    const all = await sshExec(pg.host, sh`docker exec ${pg.container} pg_dumpall -U postgres`);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('CREATE DATABASE appdb');
    expect(all.stdout).toMatch(/-- PostgreSQL database cluster dump complete\n--\s*$/);
    const tools = await sshExec(pg.host, sh`docker exec ${pg.container} sh -c 'for c in psql pg_dump pg_dumpall pg_restore; do command -v $c; done; printenv POSTGRES_PASSWORD | wc -c'`);
    expect(tools.stdout.trim().split('\n')).toEqual(['/usr/local/bin/psql', '/usr/local/bin/pg_dump', '/usr/local/bin/pg_dumpall', '/usr/local/bin/pg_restore', '37']);

    const my = dbTarget('client02.example.com', 'mariadb');
    for (const tool of ['mariadb-dump', 'mysqldump']) {
      // Credentials from the container's environment, by name in the inner shell: no secret in any argv.
      const ok = await sshExec(my.host, sh`docker exec ${my.container} sh -c ${`MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec ${tool} -uroot --single-transaction appdb`}`);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('CREATE TABLE `items`');
      expect(ok.stdout).toMatch(/-- Dump completed on .*\s*$/);
      const denied = await sshExec(my.host, sh`docker exec ${my.container} ${tool} -uroot appdb`);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('Access denied');
    }
    const env = await sshExec(my.host, sh`docker exec ${my.container} sh -c 'for c in mariadb mysql; do command -v $c; done; printenv MARIADB_ROOT_PASSWORD | wc -c'`);
    expect(env.stdout.trim().split('\n')).toEqual(['/usr/bin/mariadb', '/usr/bin/mysql', '37']);
  });

  it('restores dropped rows from a dump with psql / mariadb (insert, dump, drop, restore)', async () => {
    for (const t of labDbTargets()) {
      await insertRows(t, SEED_ROWS + 1, 25);
      expect(await countRows(t), label(t)).toBe(SEED_ROWS + 25);
      const before = await rowsDigest(t);
      const file = `/tmp/lab-db-${t.engine}.sql`;
      const dump = await sshExec(t.host, sh`${dumpCommand(t)} > ${file} && test -s ${file}`);
      expect(dump.code, dump.stderr).toBe(0);

      await dropTable(t);
      expect(await tableExists(t), label(t)).toBe(false);
      await expect(countRows(t)).rejects.toThrow(/items/);

      await runSqlFile(t, file);
      expect(await countRows(t), label(t)).toBe(SEED_ROWS + 25);
      expect(await rowsDigest(t), label(t)).toBe(before);
      await sshExec(t.host, sh`rm -f ${file}`);
    }
  });

  it('keeps the rows in the volume across a stop and start of the container', async () => {
    const t = dbTarget('client01.example.com', 'postgres');
    const before = await rowsDigest(t);
    const logCount = async (line: string) => Number((await sshExec(t.host, sh`docker logs ${t.container} 2>&1 | grep -c ${line}`)).stdout.trim());
    const inits = () => logCount('init process complete');
    const starts = () => logCount('database system is ready to accept connections');
    const [initsBefore, startsBefore] = [await inits(), await starts()];
    const r = await sshExec(
      t.host,
      sh`docker stop ${t.container} >/dev/null && docker start ${t.container} >/dev/null &&
         for i in $(seq 120); do docker exec ${t.container} pg_isready -q -U postgres && exit 0; sleep 0.5; done; exit 1`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(await rowsDigest(t)).toBe(before);
    expect(await starts()).toBe(startsBefore + 1);
    expect(await inits()).toBe(initsBefore); // the entrypoint found its data and did not initialise again
  });
});
