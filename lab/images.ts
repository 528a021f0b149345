import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, copyFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, HOST_PACKAGES, IMAGES, LAB_DIR, MIRROR, shareDir, SUITE } from './config.js';
import { aptUpdate, ensurePackages } from './engine.js';
import { docker, log, must, mustDocker, run, timed } from './run.js';
import { ensureSeedData } from './seed-data.js';

/** Bump to force a rebuild of the images built from debs (rest-server, app). */
const SMALL_IMAGES_VERSION = 'v1';

const sha = (...parts: string[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
};

const imageExists = async (ref: string): Promise<boolean> =>
  (await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutSeconds: 30 })).code === 0;

const imageId = async (ref: string): Promise<string> =>
  (await mustDocker(['image', 'inspect', '--format', '{{.Id}}', ref], { timeoutSeconds: 30 })).trim();

/** The recipe of an image is recorded in its env, so a changed recipe is noticed without a registry. */
const imageRecipe = async (ref: string): Promise<string | undefined> => {
  const r = await docker(['image', 'inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', ref], { timeoutSeconds: 30 });
  if (r.code !== 0) return undefined;
  return /^RF_LAB_RECIPE=(.*)$/m.exec(r.stdout)?.[1];
};

export function hostImageTag(): string {
  const script = readFileSync(join(LAB_DIR, 'images', 'build-host-rootfs.sh'), 'utf8');
  return `${IMAGES.hostRepo}:${sha(SUITE, HOST_PACKAGES.join(','), script)}`;
}

/**
 * The host image: debootstrap'd rootfs tarball (cached by recipe hash in the cache dir), imported.
 * Skipped entirely when the engine already has the image of this recipe (e.g. CI in a fresh clone
 * on a machine that built it before).
 */
export async function ensureHostImage(): Promise<string> {
  const tag = hostImageTag();
  if (await imageExists(tag)) return tag;
  const hash = tag.split(':')[1]!;
  const tarball = join(cacheDir(), `host-rootfs-${hash}.tar`);
  mkdirSync(cacheDir(), { recursive: true });
  if (!existsSync(tarball)) {
    await ensurePackages([{ pkg: 'debootstrap', cmd: 'debootstrap' }]);
    const buildLog = join(cacheDir(), 'build-host-rootfs.log');
    log(`building the host rootfs with debootstrap (${SUITE} minbase; a few minutes; log: ${buildLog})`);
    await timed('debootstrap host rootfs', async () => {
      const r = await run(
        'sh',
        [join(LAB_DIR, 'images', 'build-host-rootfs.sh'), tarball, SUITE, MIRROR, HOST_PACKAGES.join(','), join(cacheDir(), 'debs')],
        { timeoutSeconds: 1200 },
      );
      writeFileSync(buildLog, r.stdout + r.stderr);
      if (r.code !== 0) throw new Error(`debootstrap failed (exit ${r.code ?? 'timeout'}); last lines of ${buildLog}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
    });
    for (const f of readdirSync(cacheDir())) {
      if (/^host-rootfs-.*\.tar$/.test(f) && f !== `host-rootfs-${hash}.tar`) rmSync(join(cacheDir(), f), { force: true });
    }
  }
  await timed('import host image', () =>
    mustDocker(['import', '--change', `ENV RF_LAB_RECIPE=${hash}`, '--change', 'CMD ["/bin/bash"]', tarball, tag], { timeoutSeconds: 600 }),
  );
  // Older recipes of our own image name only.
  const old = (await mustDocker(['images', IMAGES.hostRepo, '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').filter((t) => t && t !== tag);
  for (const t of old) await docker(['rmi', t], { timeoutSeconds: 60 });
  return tag;
}

/** Debian packages fetched (not installed) into the cache, unpacked; their files go into the small images. */
async function unpackedDeb(pkg: string): Promise<string> {
  const debs = join(cacheDir(), 'debs-extra');
  const root = join(debs, `${pkg}.root`);
  if (existsSync(join(root, '.done'))) return root;
  mkdirSync(debs, { recursive: true });
  const have = () => readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!have()) {
    let r = await run('apt-get', ['download', pkg], { cwd: debs, timeoutSeconds: 300 });
    if (r.code !== 0) {
      await aptUpdate(); // a fresh machine may have no package lists yet
      r = await run('apt-get', ['download', pkg], { cwd: debs, timeoutSeconds: 300 });
    }
    if (r.code !== 0) throw new Error(`apt-get download ${pkg} failed (the lab needs Debian's ${pkg} package):\n${r.stderr.trim()}`);
  }
  rmSync(root, { recursive: true, force: true });
  await must('dpkg-deb', ['-x', join(debs, have()!), root], { timeoutSeconds: 120 });
  writeFileSync(join(root, '.done'), '');
  return root;
}

/** A rootfs dir with busybox-static as /bin/busybox and a symlink per applet (so /bin/sh exists). */
async function busyboxRootfs(dir: string): Promise<void> {
  const bb = join(await unpackedDeb('busybox-static'), 'bin', 'busybox');
  for (const d of ['bin', 'tmp', 'etc', 'data']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(bb, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = (await must(bb, ['--list'])).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\n');
}

async function importDir(dir: string, refs: readonly string[], changes: string[]): Promise<void> {
  const [first, ...more] = refs;
  const tar = `${dir}.tar`;
  await must('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tar, '.'], { timeoutSeconds: 120 });
  await mustDocker(['import', ...changes.flatMap((c) => ['--change', c]), tar, first!], { timeoutSeconds: 300 });
  for (const r of more) await mustDocker(['tag', first!, r]);
  rmSync(tar, { force: true });
}

/** Stand-in rest-server: Debian's rclone (`serve restic`) + its libc + busybox for the entrypoint. */
async function ensureRestServerImage(): Promise<void> {
  const entry = readFileSync(join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh'), 'utf8');
  const recipe = sha(SMALL_IMAGES_VERSION, entry);
  const have = await Promise.all(IMAGES.restServer.map(imageRecipe));
  if (have.every((h) => h === recipe)) return;
  await timed('build rest-server stand-in image', async () => {
    const dir = join(cacheDir(), 'build-rest-server');
    rmSync(dir, { recursive: true, force: true });
    await busyboxRootfs(dir);
    const rclone = join(await unpackedDeb('rclone'), 'usr', 'bin', 'rclone');
    mkdirSync(join(dir, 'usr', 'bin'), { recursive: true });
    copyFileSync(rclone, join(dir, 'usr', 'bin', 'rclone'));
    chmodSync(join(dir, 'usr', 'bin', 'rclone'), 0o755);
    // rclone is dynamically linked (cgo): ship the libraries ldd resolves, at the same paths.
    const ldd = await must('ldd', [rclone]);
    const libs = [...ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
    if (!libs.some((l) => l.includes('libc.so'))) throw new Error(`could not find rclone's libc in ldd output:\n${ldd}`);
    for (const lib of libs) {
      mkdirSync(join(dir, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(dir, lib)); // copyFileSync follows the symlink: the real file under the link's name
    }
    copyFileSync(join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh'), join(dir, 'entrypoint.sh'));
    chmodSync(join(dir, 'entrypoint.sh'), 0o755);
    for (const r of IMAGES.restServer) await docker(['rmi', r], { timeoutSeconds: 60 });
    await importDir(dir, IMAGES.restServer, [
      `ENV RF_LAB_RECIPE=${recipe}`,
      'ENV DATA_DIRECTORY=/data PASSWORD_FILE=/data/.htpasswd HOME=/tmp',
      'EXPOSE 8000',
      'VOLUME /data',
      'ENTRYPOINT ["/entrypoint.sh"]',
    ]);
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Tiny app image; its shell traps SIGTERM so `docker stop` returns at once instead of after 10 s. */
const APP_CMD = `trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done`;

async function ensureAppImage(): Promise<void> {
  const recipe = sha(SMALL_IMAGES_VERSION, APP_CMD);
  if ((await imageRecipe(IMAGES.app)) === recipe) return;
  await timed('build app image', async () => {
    const dir = join(cacheDir(), 'build-app');
    rmSync(dir, { recursive: true, force: true });
    await busyboxRootfs(dir);
    await docker(['rmi', IMAGES.app], { timeoutSeconds: 60 });
    await importDir(dir, [IMAGES.app], [`ENV RF_LAB_RECIPE=${recipe}`, `CMD ${JSON.stringify(['/bin/sh', '-c', APP_CMD])}`]);
    rmSync(dir, { recursive: true, force: true });
  });
}

/** `docker save` of an image set, redone only when the image ids changed; loaded into inner engines from the share. */
async function ensureSaved(name: string, refs: readonly string[]): Promise<void> {
  const dir = join(shareDir(), 'images');
  mkdirSync(dir, { recursive: true });
  const ids = (await Promise.all(refs.map(imageId))).join(',');
  const idFile = join(dir, `${name}.ids`);
  if (existsSync(join(dir, `${name}.tar`)) && existsSync(idFile) && readFileSync(idFile, 'utf8') === ids) return;
  await mustDocker(['save', '-o', join(dir, `${name}.tar`), ...refs], { timeoutSeconds: 300 });
  writeFileSync(idFile, ids);
}

export interface Images {
  host: string;
}

/** Every image and shared file the lab needs, built or reused; returns the host image tag. */
export async function ensureImages(): Promise<Images> {
  mkdirSync(shareDir(), { recursive: true });
  // The small images and the seed data are quick; the host image may take minutes (debootstrap).
  const [host] = await Promise.all([
    ensureHostImage(),
    (async () => {
      await ensureRestServerImage();
      await ensureAppImage();
      await ensureSaved('rest-server', IMAGES.restServer);
      await ensureSaved('app', [IMAGES.app]);
      ensureSeedData(join(shareDir(), 'seed'));
    })(),
  ]);
  return { host };
}
