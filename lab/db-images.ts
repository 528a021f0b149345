// The lab's database image: Debian minbase + Debian's postgresql and mariadb-server, built by
// debootstrap and `docker import` like the host image; one rootfs tagged twice (postgres and
// mariadb entrypoints), saved into the share for the clients that run databases.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, LAB_DIR, SUITE } from './config.js';
import { DB_DATA_DIR, DB_IMAGES } from './db-config.js';
import { ensurePackages } from './engine.js';
import { ensureSaved, imageRecipe } from './images.js';
import { debianMirror } from './mirror.js';
import { docker, log, must, mustDocker, run, timed } from './run.js';

const DB_PACKAGES = ['postgresql', 'postgresql-client', 'mariadb-server', 'mariadb-client'];
/** What the images' entrypoints and slimming step are made of (the base rootfs is cached apart from them). */
const FINISH_SCRIPTS = ['finish-db-rootfs.sh', 'postgres-entrypoint.sh', 'mariadb-entrypoint.sh'];
/** The name of the image set in the share (<share>/images/db.tar). */
export const DB_IMAGE_SET = 'db';

const dbImageDir = join(LAB_DIR, 'db-image');

const digest = (parts: Array<string | Buffer>): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

/** The debootstrapped base: changes with the suite, the packages or the build script (minutes to rebuild). */
const baseRecipe = (): string =>
  digest([SUITE, DB_PACKAGES.join(','), readFileSync(join(dbImageDir, 'build-db-rootfs.sh')), readFileSync(join(LAB_DIR, 'images', 'rootfs-lib.sh'))]);

/** The images: the base plus the finishing step and the entrypoints (seconds to redo). */
export const dbRecipe = (): string => digest([baseRecipe(), ...FINISH_SCRIPTS.map((f) => readFileSync(join(dbImageDir, f)))]);

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The import changes of each tag: what the official images declare (entrypoint, volume; `docker import` takes no STOPSIGNAL). */
const tagChanges = (recipe: string) => ({
  postgres: [
    `ENV RF_LAB_RECIPE=${recipe}`, `ENV PATH=${PATH}`, `ENV PGDATA=${DB_DATA_DIR.postgres}`, 'ENV LANG=C.UTF-8',
    `VOLUME ${DB_DATA_DIR.postgres}`, 'EXPOSE 5432',
    'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]', 'CMD ["postgres"]',
  ],
  mariadb: [
    `ENV RF_LAB_RECIPE=${recipe}`, `ENV PATH=${PATH}`, 'ENV LANG=C.UTF-8',
    `VOLUME ${DB_DATA_DIR.mariadb}`, 'EXPOSE 3306',
    'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]', 'CMD ["mariadbd"]',
  ],
});

/** The debootstrapped base rootfs tarball in the cache (built when missing; older ones removed). */
async function ensureBaseTarball(): Promise<string> {
  const hash = baseRecipe();
  const tarball = join(cacheDir(), `db-base-${hash}.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(cacheDir(), { recursive: true });
  await ensurePackages([{ pkg: 'debootstrap', cmd: 'debootstrap' }]);
  const buildLog = join(cacheDir(), 'build-db-rootfs.log');
  log(`building the database image's base rootfs with debootstrap (minbase + postgresql + mariadb-server; a few minutes; log: ${buildLog})`);
  await timed('debootstrap database base rootfs', async () => {
    const r = await run(
      'sh',
      [join(dbImageDir, 'build-db-rootfs.sh'), tarball, SUITE, debianMirror(SUITE), DB_PACKAGES.join(','), join(cacheDir(), 'debs-db')],
      { timeoutSeconds: 1500 },
    );
    writeFileSync(buildLog, r.stdout + r.stderr);
    if (r.code !== 0) throw new Error(`database base rootfs build failed (exit ${r.code ?? 'timeout'}); last lines of ${buildLog}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
  });
  for (const f of readdirSync(cacheDir())) {
    if (/^db-base-[0-9a-f]+\.tar$/.test(f) && f !== `db-base-${hash}.tar`) rmSync(join(cacheDir(), f), { force: true });
  }
  return tarball;
}

/** Both tags of the current recipe in the outer engine (rootfs tarball cached), and the set saved into the share. */
export async function ensureDbImages(): Promise<void> {
  const recipe = dbRecipe();
  const have = await Promise.all(Object.values(DB_IMAGES).map(imageRecipe));
  if (!have.every((h) => h === recipe)) {
    const base = await ensureBaseTarball();
    await timed('finish + import database images', async () => {
      const dir = join(cacheDir(), 'build-db-image');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await must('tar', ['--numeric-owner', '-C', dir, '-xf', base], { timeoutSeconds: 300 });
      await must('sh', [join(dbImageDir, 'finish-db-rootfs.sh'), dir], { timeoutSeconds: 120 });
      const tar = `${dir}.tar`;
      await must('tar', ['--numeric-owner', '-C', dir, '-cf', tar, '.'], { timeoutSeconds: 300 });
      rmSync(dir, { recursive: true, force: true });
      const changes = tagChanges(recipe);
      // One tarball imported twice: the same layer, stored once (also in `docker save`).
      for (const [engine, ref] of Object.entries(DB_IMAGES) as Array<[keyof typeof DB_IMAGES, string]>) {
        await docker(['rmi', ref], { timeoutSeconds: 60 });
        await mustDocker(['import', ...changes[engine].flatMap((c) => ['--change', c]), tar, ref], { timeoutSeconds: 600 });
      }
      rmSync(tar, { force: true });
    });
  }
  await timed('save database images', () => ensureSaved(DB_IMAGE_SET, Object.values(DB_IMAGES)));
}
