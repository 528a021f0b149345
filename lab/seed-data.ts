import { createCipheriv, createHash } from 'node:crypto';
import { chmodSync, existsSync, lutimesSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the layout below changes: the cached copy is regenerated. */
const SEED_VERSION = 'seed-v1';
/** Fixed times, so the same data gives the same restic snapshots and digests on every machine. */
const MTIME = new Date('2026-01-01T00:00:00Z');
export const MEDIA_FILE_BYTES = 24 * 1024 * 1024;
/** Regular files in app_data: the nested tree plus five special cases. */
export const APP_DATA_REGULAR_FILES = 2005;

/**
 * The known contents of the clients' volumes, generated once into `dir` (shared read-only into
 * every client, where the lab copies it into the docker volumes):
 * - app_data: ~2000 small text files in nested dirs, plus cases restores get wrong: a name with
 *   spaces, a hidden file, an empty file, a relative symlink, an empty dir, 0600/0700 modes.
 * - media_data: one 24 MiB file of deterministic incompressible bytes (AES-CTR keystream), so
 *   restic really moves that much data.
 */
export function ensureSeedData(dir: string): void {
  const marker = join(dir, '.version');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === SEED_VERSION) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const dirs: string[] = [];
  const mkdir = (p: string, mode = 0o755): void => {
    mkdirSync(p, { recursive: true });
    chmodSync(p, mode);
    dirs.push(p);
  };
  const file = (p: string, content: string | Buffer, mode = 0o644): void => {
    writeFileSync(p, content);
    chmodSync(p, mode);
    utimesSync(p, MTIME, MTIME);
  };

  const app = join(tmp, 'app_data');
  mkdir(app);
  for (let d = 0; d < 20; d++) {
    for (let s = 0; s < 5; s++) {
      const sub = join(app, 'data', `d${String(d).padStart(2, '0')}`, `s${s}`);
      mkdir(join(app, 'data'));
      mkdir(join(app, 'data', `d${String(d).padStart(2, '0')}`));
      mkdir(sub);
      for (let f = 0; f < 20; f++) {
        const rel = `data/d${String(d).padStart(2, '0')}/s${s}/f${String(f).padStart(2, '0')}.txt`;
        const h = createHash('sha256').update(rel).digest('hex');
        const lines = 1 + (parseInt(h.slice(0, 4), 16) % 60); // 1..60 lines of 65 bytes
        file(join(app, rel), Array.from({ length: lines }, (_, i) => `${rel} line ${i} ${h}`.slice(0, 64) + '\n').join(''));
      }
    }
  }
  file(join(app, 'README.txt'), 'restic-fleet lab: known data of the app_data volume\n');
  file(join(app, 'notes with space.txt'), 'a file name with spaces\n');
  file(join(app, '.hidden'), 'hidden file\n');
  file(join(app, 'empty.txt'), '');
  mkdir(join(app, 'private'), 0o700);
  file(join(app, 'private', 'secret.key'), 'not really a secret\n', 0o600);
  mkdir(join(app, 'empty-dir'));
  symlinkSync('README.txt', join(app, 'link-to-readme'));
  lutimesSync(join(app, 'link-to-readme'), MTIME, MTIME);

  const media = join(tmp, 'media_data');
  mkdir(media);
  const key = createHash('sha256').update('restic-fleet lab media').digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  file(join(media, 'big.bin'), Buffer.concat([cipher.update(Buffer.alloc(MEDIA_FILE_BYTES)), cipher.final()]));

  // Directory times last, deepest first, after their contents stopped changing.
  for (const d of [...new Set(dirs)].sort((a, b) => b.length - a.length)) utimesSync(d, MTIME, MTIME);
  writeFileSync(join(tmp, '.version'), SEED_VERSION);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
