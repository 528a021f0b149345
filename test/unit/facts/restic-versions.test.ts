// Repository states from what restic 0.14 and 0.18 really print and exit with, recorded on the
// lab's bookworm and trixie hosts against its real rest-server (test/fixtures/restic/record.ts).
// 0.18 is read by exit code (10, 11, 12); 0.14 by stderr, which stays the fallback.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { parseProbe } from '../../../src/facts/parse.js';
import { classifyRepo } from '../../../src/facts/repo-check.js';
import type { RepoStatus } from '../../../src/facts/types.js';
import { clientHost } from '../../support/host-config.js';

interface Recorded {
  command: string;
  exit: number;
  stderr: string;
}
type Recording = { version: string } & Record<'absent' | 'unauthorized' | 'initialised' | 'wrongPassword' | 'locked' | 'unreachable', Recorded>;

const load = (v: string): Recording => JSON.parse(readFileSync(join(__dirname, '../../fixtures/restic', `${v}.json`), 'utf8')) as Recording;
const v014 = load('0.14.0');
const v018 = load('0.18.0');

const expected: Array<[keyof Omit<Recording, 'version'>, RepoStatus]> = [
  ['initialised', 'initialised'],
  ['absent', 'absent'],
  ['unauthorized', 'unauthorized'],
  ['wrongPassword', 'wrong-password'],
  ['locked', 'locked'],
  ['unreachable', 'unreachable'],
];

describe('recorded restic outputs', () => {
  it('are what the versions are known for: 0.14 exits 1 for every failure, 0.18 uses 10, 11 and 12', () => {
    expect(v014.version).toMatch(/^restic 0\.14\.0 /);
    expect(v018.version).toMatch(/^restic 0\.18\.0 /);
    expect([v014.absent.exit, v014.wrongPassword.exit, v014.locked.exit]).toEqual([1, 1, 1]);
    expect([v018.absent.exit, v018.locked.exit, v018.wrongPassword.exit]).toEqual([10, 11, 12]);
  });

  it.each(expected)('restic 0.14, %s → %s (stderr)', (name, status) => {
    const r = v014[name];
    expect(classifyRepo(r.exit, r.stderr, '0.14.0').status).toBe(status);
  });

  it.each(expected)('restic 0.18, %s → %s', (name, status) => {
    const r = v018[name];
    expect(classifyRepo(r.exit, r.stderr, '0.18.0').status).toBe(status);
  });

  it('restic 0.18 exit codes decide even when the text says nothing the 0.14 patterns know', () => {
    for (const [name, status] of [['absent', 'absent'], ['locked', 'locked'], ['wrongPassword', 'wrong-password']] as const) {
      expect(classifyRepo(v018[name].exit, 'Fatal: something reworded', '0.18.0').status).toBe(status);
    }
  });

  it('codes 10-12 mean nothing from a restic older than 0.17, or of unknown version: stderr decides', () => {
    expect(classifyRepo(10, 'something new', '0.14.0').status).toBe('error');
    expect(classifyRepo(12, 'something new', undefined).status).toBe('error');
    expect(classifyRepo(12, v018.wrongPassword.stderr, '0.16.4').status).toBe('wrong-password');
  });
});

describe('parseProbe reads the host\'s restic version and classifies the repository check with it', () => {
  const d = buildDesired([clientHost('c1')]).hosts[0]!;
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const probe = (version: string, r: Recorded) =>
    ['@@rf uid x', '0', '@@rf docker x', '26.1.5', '@@rf restic x', version.trim(), '@@rf restic-package x', '-', '@@rf repo x', `${r.exit} ${b64(r.stderr)}`, ''].join('\n');

  it.each([
    ['0.14.0', v014],
    ['0.18.0', v018],
  ])('restic %s', (version, rec) => {
    for (const [name, status] of expected.filter(([n]) => n !== 'locked')) {
      const f = parseProbe(d, probe(rec.version, rec[name]));
      expect(f.client!.resticVersion).toBe(version);
      expect(f.client!.repo.status, name).toBe(status);
    }
  });

  it('0.18\'s exit 12 with reworded text is still a wrong password; without the version line it is not', () => {
    const reworded = { ...v018.wrongPassword, stderr: 'Fatal: the key does not fit' };
    expect(parseProbe(d, probe(v018.version, reworded)).client!.repo.status).toBe('wrong-password');
    expect(parseProbe(d, probe('-', reworded)).client!.repo.status).toBe('error');
  });
});
