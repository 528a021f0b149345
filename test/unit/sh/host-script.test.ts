import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { hostScript } from '../../../src/facts/host-script.js';
import { parseProbe } from '../../../src/facts/parse.js';
import { buildProbe } from '../../../src/facts/probe.js';
import { parseSections } from '../../../src/facts/sections.js';
import { SH_FILES, type ShFileName } from '../../../src/sh/files.generated.js';
import { clientHost } from '../../support/host-config.js';

const run = (text: string) => spawnSync('sh', ['-c', text], { encoding: 'utf8' });
const mine = (Object.keys(SH_FILES) as ShFileName[]).filter((n) => n !== 'prelude' && !n.startsWith('runner'));

describe('src/sh files on the one prelude', () => {
  it('every file fills all its @NAME@ constants and parses as POSIX sh', () => {
    for (const name of mine) {
      const text = hostScript([name], { RESTORE_DIR: '/var/lib/restic-fleet/restore' }).text;
      expect(text, name).not.toMatch(/@[A-Z_]+@/);
      expect(text.startsWith('set -u\n') || text.includes('\nset -u\n'), name).toBe(true);
      const r = spawnSync('sh', ['-n'], { input: text, encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
  });

  it('a constant that is not a plain shell word is refused', () => {
    expect(() => hostScript(['restore-job'], { RESTORE_DIR: '/tmp/a b' })).toThrow(/not a plain shell word/);
  });
});

describe('probe.sh file and directory facts (one stat and one sha256sum for all paths)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rf-probe-sh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'etc', 'a'); // a suffix of another path must not match it
  const sub = path.join(dir, 'etc');
  mkdirSync(sub);
  writeFileSync(a, 'alpha\n');
  writeFileSync(b, 'beta\n');
  chmodSync(a, 0o640);
  chmodSync(b, 0o600);
  chmodSync(sub, 0o750);
  const missing = path.join(dir, 'missing');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');

  it('prints mode, owner, group and sha256 per file, "-" for a missing one or a directory', () => {
    const r = run(`${hostScript(['probe']).text}\nprobe_files '${b}' '${a}' '${missing}' '${sub}'\nprobe_dirs '${sub}' '${missing}' '${a}'`);
    expect(r.status, r.stderr).toBe(0);
    const s = parseSections(r.stdout);
    const owner = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    expect(s.get(`file ${a}`)!.trim().split(/\s+/)).toEqual(['640', owner, group, sha('alpha\n')]);
    expect(s.get(`file ${b}`)!.trim().split(/\s+/)).toEqual(['600', owner, group, sha('beta\n')]);
    expect(s.get(`file ${missing}`)).toBe('-');
    expect(s.get(`file ${sub}`)).toBe('-');
    expect(s.get(`dir ${sub}`)).toBe(`750 ${owner}`);
    expect(s.get(`dir ${missing}`)).toBe('-');
    expect(s.get(`dir ${a}`)).toBe('-');
    expect(statSync(a).mode & 0o777).toBe(0o640);
  });
});

describe('the runner status records in the probe', () => {
  const d = buildDesired([clientHost('c1')]).hosts[0]!;
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('the client probe reads them; parseProbe puts them in ClientFacts.statusRecords', () => {
    expect(buildProbe(d, { checkRepo: false }).command.text).toMatch(/^probe_status_records$/m);
    const out = [
      '@@rf uid x', '0',
      '@@rf status-record app-volume', b64('{"name":"app-volume","status":"ok","start":"2026-12-01T01:00:00Z","end":"2026-12-01T01:00:05Z","exit":0,"snapshot":"7a546ac7","message":""}\n'),
      '@@rf status-record rotation', b64('not json'),
      '',
    ].join('\n');
    const facts = parseProbe(d, out);
    expect(facts.client!.statusRecords).toEqual({
      'app-volume': { status: 'ok', start: '2026-12-01T01:00:00Z', end: '2026-12-01T01:00:05Z', exit: 0, snapshot: '7a546ac7', message: undefined },
      rotation: { status: 'unreadable' },
    });
    expect(parseProbe(d, '@@rf uid x\n0\n').client!.statusRecords).toBeUndefined();
  });
});
