// debootstrap's mirror is read from the machine's apt sources (deb822 and one-line formats);
// RF_LAB_MIRROR overrides. Sample files: test/fixtures/apt/ (example.* hosts only).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debianMirror, parseDeb822Sources, parseSourcesList, pickMirror, readAptSources } from '../../../lab/mirror.js';

const fixture = (name: string): string => readFileSync(join(__dirname, '../../fixtures/apt', name), 'utf8');

const dirs: string[] = [];
let savedEnv: string | undefined;
beforeEach(() => {
  savedEnv = process.env.RF_LAB_MIRROR;
  delete process.env.RF_LAB_MIRROR;
});
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  if (savedEnv === undefined) delete process.env.RF_LAB_MIRROR;
  else process.env.RF_LAB_MIRROR = savedEnv;
});

/** An /etc/apt lookalike holding the named fixtures (sources.list at the top, the rest in sources.list.d). */
function aptRoot(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'rf-apt-'));
  dirs.push(root);
  mkdirSync(join(root, 'sources.list.d'));
  for (const f of files) {
    copyFileSync(join(__dirname, '../../fixtures/apt', f), f === 'sources.list' ? join(root, f) : join(root, 'sources.list.d', f));
  }
  return root;
}

describe('apt sources parsing', () => {
  it('reads deb822 stanzas: types, URIs, suites, components, Signed-By; comments ignored', () => {
    expect(parseDeb822Sources(fixture('debian.sources'))).toEqual([
      {
        types: ['deb'], uris: ['http://mirror.example.org/debian'], suites: ['bookworm', 'bookworm-updates'], components: ['main'],
        signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
      {
        types: ['deb'], uris: ['http://mirror.example.org/debian-security'], suites: ['bookworm-security'], components: ['main'],
        signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
    ]);
  });

  it('skips Enabled: no stanzas and folds multi-line fields', () => {
    const s = parseDeb822Sources(fixture('security-first.sources'));
    expect(s.map((x) => x.uris[0])).toEqual([
      'http://security.example.org/debian-security', 'http://src.example.org/debian', 'https://mirror.example.net/debian/',
    ]);
    expect(s[2]).toMatchObject({ types: ['deb', 'deb-src'], components: ['main', 'contrib'] });
  });

  it('reads one-line sources.list entries with options and trailing comments', () => {
    expect(parseSourcesList(fixture('sources.list'))).toEqual([
      { types: ['deb'], uris: ['http://security.example.org/debian-security'], suites: ['bookworm-security'], components: ['main'], signedBy: undefined },
      { types: ['deb-src'], uris: ['http://src.example.org/debian'], suites: ['bookworm'], components: ['main'], signedBy: undefined },
      {
        types: ['deb'], uris: ['http://mirror.example.com/debian/'], suites: ['bookworm'], components: ['main'],
        signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
    ]);
  });
});

describe('pickMirror', () => {
  it('takes the main archive, not the security archive listed beside it', () => {
    expect(pickMirror(parseDeb822Sources(fixture('debian.sources')), 'bookworm')).toBe('http://mirror.example.org/debian');
  });

  it('passes over security, source-only and disabled entries; drops the trailing slash', () => {
    expect(pickMirror(parseDeb822Sources(fixture('security-first.sources')), 'bookworm')).toBe('https://mirror.example.net/debian');
    expect(pickMirror(parseSourcesList(fixture('sources.list')), 'bookworm')).toBe('http://mirror.example.com/debian');
  });

  it('ignores third-party repositories (no main component) and prefers the wanted suite', () => {
    const third = parseSourcesList(fixture('third-party.list'));
    expect(pickMirror(third, 'bookworm')).toBeUndefined();
    const other = parseSourcesList('deb http://old.example.org/debian bullseye main\ndeb http://new.example.org/debian bookworm main\n');
    expect(pickMirror(other, 'bookworm')).toBe('http://new.example.org/debian');
    expect(pickMirror(other, 'trixie')).toBe('http://old.example.org/debian'); // any plain suite: the first
  });
});

describe('debianMirror', () => {
  it('reads sources.list and sources.list.d/*.{list,sources} of the root', () => {
    const root = aptRoot(['third-party.list', 'debian.sources']);
    expect(readAptSources(root)).toHaveLength(3);
    expect(debianMirror('bookworm', root)).toBe('http://mirror.example.org/debian');
  });

  it('lets RF_LAB_MIRROR override the sources', () => {
    process.env.RF_LAB_MIRROR = 'http://override.example.org/debian/';
    expect(debianMirror('bookworm', aptRoot(['debian.sources']))).toBe('http://override.example.org/debian');
  });

  it('says how to set a mirror when the sources name none', () => {
    expect(() => debianMirror('bookworm', aptRoot(['third-party.list']))).toThrow(/set RF_LAB_MIRROR/);
  });
});
