import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, copyFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  cacheDir, HOST_KINDS, hostPackages, IMAGES, LAB_DIR, REST_SERVER_SUITE, REST_SERVER_TAGS, shareDir, SUITE, type HostKind,
} from './config.js';
import { aptUpdate, ensurePackages } from './engine.js';
import { debianMirror } from './mirror.js';
import { docker, log, must, mustDocker, run, timed } from './run.js';
import { ensureSeedData } from './seed-data.js';

/** Bump to force a rebuild of the images built from debs (rest-server, app). */
const SMALL_IMAGES_VERSION = 'v2';

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
export const imageRecipe = async (ref: string): Promise<string | undefined> => {
  const r = await docker(['image', 'inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', ref], { timeoutSeconds: 30 });
  if (r.code !== 0) return undefined;
  return /^RF_LAB_RECIPE=(.*)$/m.exec(r.stdout)?.[1];
};

export function hostImageTag(kind: HostKind): string {
  const script = ['build-host-rootfs.sh', 'rootfs-lib.sh'].map((f) => readFileSync(join(LAB_DIR, 'images', f), 'utf8')).join('\0');
  return `${IMAGES.hostRepo}:${kind}-${sha(kind, hostPackages(kind).join(','), script)}`;
}

/**
 * A host image: debootstrap'd rootfs tarball of its kind's suite (cached by recipe hash in the
 * cache dir), imported. Skipped entirely when the engine already has the image of this recipe
 * (e.g. CI in a fresh clone on a machine that built it before).
 */
export async function ensureHostImage(kind: HostKind): Promise<string> {
  const tag = hostImageTag(kind);
  if (await imageExists(tag)) return tag;
  const hash = tag.split(':')[1]!;
  const tarball = join(cacheDir(), `host-rootfs-${hash}.tar`);
  mkdirSync(cacheDir(), { recursive: true });
  if (!existsSync(tarball)) {
    const mirror = debianMirror(SUITE);
    const buildLog = join(cacheDir(), `build-host-rootfs-${kind}.log`);
    log(`building the ${kind} host rootfs with debootstrap (minbase; a few minutes; log: ${buildLog})`);
    await timed(`debootstrap ${kind} host rootfs`, async () => {
      const r = await run(
        'sh',
        [join(LAB_DIR, 'images', 'build-host-rootfs.sh'), tarball, kind, mirror, hostPackages(kind).join(','), join(cacheDir(), `debs-${kind}`)],
        { timeoutSeconds: 1500 },
      );
      writeFileSync(buildLog, r.stdout + r.stderr);
      if (r.code !== 0) throw new Error(`debootstrap ${kind} failed (exit ${r.code ?? 'timeout'}); last lines of ${buildLog}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
    });
    for (const f of readdirSync(cacheDir())) {
      if (f.startsWith(`host-rootfs-${kind}-`) && f.endsWith('.tar') && f !== `host-rootfs-${hash}.tar`) rmSync(join(cacheDir(), f), { force: true });
    }
  }
  await timed(`import ${kind} host image`, () =>
    mustDocker(['import', '--change', `ENV RF_LAB_RECIPE=${hash}`, '--change', 'CMD ["/bin/bash"]', tarball, tag], { timeoutSeconds: 600 }),
  );
  // Older recipes of this kind only: never another kind's image, nor tags another checkout's lab may use.
  const old = (await mustDocker(['images', IMAGES.hostRepo, '--format', '{{.Repository}}:{{.Tag}}']))
    .split('\n')
    .filter((t) => t && t !== tag && t.startsWith(`${IMAGES.hostRepo}:${kind}-`));
  for (const t of old) await docker(['rmi', t], { timeoutSeconds: 60 });
  return tag;
}

/**
 * An apt configuration of its own for another suite on the same mirror (the machine's apt
 * state is not touched): `apt-get download` of packages bookworm does not have.
 */
async function aptFor(suite: string): Promise<string[]> {
  const dir = join(cacheDir(), `apt-${suite}`);
  for (const d of ['lists/partial', 'cache/archives/partial', 'preferences.d']) mkdirSync(join(dir, d), { recursive: true });
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  if (!existsSync(keyring)) throw new Error(`${keyring} is missing: install debian-archive-keyring (the lab fetches ${suite} packages)`);
  writeFileSync(join(dir, 'sources.list'), `deb [signed-by=${keyring}] ${debianMirror(SUITE)} ${suite} main\n`);
  if (!existsSync(join(dir, 'status'))) writeFileSync(join(dir, 'status'), '');
  const opts = [
    `Dir::Etc::sourcelist=${join(dir, 'sources.list')}`, 'Dir::Etc::sourceparts=-', `Dir::Etc::preferencesparts=${join(dir, 'preferences.d')}`,
    `Dir::State::Lists=${join(dir, 'lists')}`, `Dir::State::status=${join(dir, 'status')}`, `Dir::Cache=${join(dir, 'cache')}`,
  ].flatMap((o) => ['-o', o]);
  const fresh = readdirSync(join(dir, 'lists')).some((f) => f.endsWith('_Packages'));
  if (!fresh) await must('apt-get', [...opts, 'update'], { timeoutSeconds: 300 }, `apt-get update (${suite})`);
  return opts;
}

/** Debian packages fetched (not installed) into the cache, unpacked; their files go into the small images. */
async function unpackedDeb(pkg: string, suite?: string): Promise<string> {
  const debs = join(cacheDir(), 'debs-extra');
  const root = join(debs, `${suite ?? 'machine'}-${pkg}.root`);
  if (existsSync(join(root, '.done'))) return root;
  mkdirSync(debs, { recursive: true });
  const have = () => readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!have()) {
    if (suite) {
      await must('apt-get', [...(await aptFor(suite)), 'download', pkg], { cwd: debs, timeoutSeconds: 300 }, `apt-get download ${pkg} (${suite})`);
    } else {
      let r = await run('apt-get', ['download', pkg], { cwd: debs, timeoutSeconds: 300 });
      if (r.code !== 0) {
        await aptUpdate(); // a fresh machine may have no package lists yet
        r = await run('apt-get', ['download', pkg], { cwd: debs, timeoutSeconds: 300 });
      }
      if (r.code !== 0) throw new Error(`apt-get download ${pkg} failed (the lab needs Debian's ${pkg} package):\n${r.stderr.trim()}`);
    }
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
  await importVariants(dir, refs.map((ref) => ({ ref, changes })));
}

/** One tarball of the dir, imported once per ref (same layer: `docker save` stores it once). */
async function importVariants(dir: string, variants: Array<{ ref: string; changes: string[] }>): Promise<void> {
  const tar = `${dir}.tar`;
  await must('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tar, '.'], { timeoutSeconds: 120 });
  for (const v of variants) await mustDocker(['import', ...v.changes.flatMap((c) => ['--change', c]), tar, v.ref], { timeoutSeconds: 300 });
  rmSync(tar, { force: true });
}

/** Copies a dynamically linked program and the libraries ldd resolves for it, at the same paths. */
async function copyProgram(bin: string, dir: string, as: string): Promise<void> {
  mkdirSync(join(dir, dirname(as)), { recursive: true });
  copyFileSync(bin, join(dir, as));
  chmodSync(join(dir, as), 0o755);
  const ldd = await run('ldd', [bin]);
  if (/not a dynamic executable|statically linked/.test(ldd.stdout + ldd.stderr)) return;
  const libs = [...ldd.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  if (!libs.some((l) => l.includes('libc.so'))) throw new Error(`could not find ${bin}'s libc in ldd output:\n${ldd.stdout}${ldd.stderr}`);
  for (const lib of libs) {
    mkdirSync(join(dir, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(dir, lib)); // copyFileSync follows the symlink: the real file under the link's name
  }
}

/**
 * The real rest-server: Debian trixie's restic-rest-server binary as /usr/bin/rest-server, the
 * libc it links, busybox for the entrypoint. Four tags of one rootfs: lab and lab2 (normal),
 * lab-slow and lab-dead (test-only modes, see entrypoint.sh).
 */
async function ensureRestServerImage(): Promise<void> {
  const entry = readFileSync(join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh'), 'utf8');
  const recipe = sha(SMALL_IMAGES_VERSION, REST_SERVER_SUITE, entry);
  const have = await Promise.all(REST_SERVER_TAGS.map(imageRecipe));
  if (have.every((h) => h === recipe)) return;
  await timed('build rest-server image', async () => {
    const dir = join(cacheDir(), 'build-rest-server');
    rmSync(dir, { recursive: true, force: true });
    await busyboxRootfs(dir);
    const pkg = await unpackedDeb('restic-rest-server', REST_SERVER_SUITE);
    await copyProgram(join(pkg, 'usr', 'bin', 'restic-rest-server'), dir, '/usr/bin/rest-server');
    symlinkSync('rest-server', join(dir, 'usr', 'bin', 'restic-rest-server'));
    copyFileSync(join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh'), join(dir, 'entrypoint.sh'));
    chmodSync(join(dir, 'entrypoint.sh'), 0o755);
    for (const r of REST_SERVER_TAGS) await docker(['rmi', r], { timeoutSeconds: 60 });
    const base = [
      `ENV RF_LAB_RECIPE=${recipe}`,
      'ENV DATA_DIRECTORY=/data PASSWORD_FILE=/data/.htpasswd HOME=/tmp',
      'EXPOSE 8000',
      'VOLUME /data',
      'ENTRYPOINT ["/entrypoint.sh"]',
    ];
    await importVariants(dir, [
      ...IMAGES.restServer.map((ref) => ({ ref, changes: base })),
      { ref: IMAGES.restServerSlow, changes: [...base, 'ENV RF_LAB_REST_SERVER_MODE=slow'] },
      { ref: IMAGES.restServerDead, changes: [...base, 'ENV RF_LAB_REST_SERVER_MODE=dead'] },
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
export async function ensureSaved(name: string, refs: readonly string[]): Promise<void> {
  const dir = join(shareDir(), 'images');
  mkdirSync(dir, { recursive: true });
  const ids = (await Promise.all(refs.map(imageId))).join(',');
  const idFile = join(dir, `${name}.ids`);
  if (existsSync(join(dir, `${name}.tar`)) && existsSync(idFile) && readFileSync(idFile, 'utf8') === ids) return;
  await mustDocker(['save', '-o', join(dir, `${name}.tar`), ...refs], { timeoutSeconds: 300 });
  writeFileSync(idFile, ids);
}

export interface Images {
  /** Host image tag per kind. */
  host: Record<HostKind, string>;
}

/** Every image and shared file the lab needs, built or reused (both host rootfs in parallel). */
export async function ensureImages(kinds: readonly HostKind[] = HOST_KINDS): Promise<Images> {
  mkdirSync(shareDir(), { recursive: true });
  if (kinds.some((k) => !existsSync(join(cacheDir(), `host-rootfs-${hostImageTag(k).split(':')[1]}.tar`)))) {
    await ensurePackages([{ pkg: 'debootstrap', cmd: 'debootstrap' }]); // once, before the builds run side by side
  }
  // The small images and the seed data are quick; a host image may take minutes (debootstrap).
  const [hosts] = await Promise.all([
    Promise.all(kinds.map(async (k) => [k, await ensureHostImage(k)] as const)),
    (async () => {
      await ensureRestServerImage();
      await ensureAppImage();
      await ensureSaved('rest-server', REST_SERVER_TAGS);
      await ensureSaved('app', [IMAGES.app]);
      ensureSeedData(join(shareDir(), 'seed'));
    })(),
  ]);
  return { host: Object.fromEntries(hosts) as Record<HostKind, string> };
}
