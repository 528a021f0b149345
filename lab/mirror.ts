// debootstrap's mirror comes from the machine's own apt sources (RF_LAB_MIRROR overrides):
// the project names no mirror host, and the lab uses whatever this machine already trusts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AptSource {
  types: string[]; // "deb", "deb-src"
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string; // deb822 Signed-By or the one-line [signed-by=] option
}

/** Splits deb822 text into stanzas of fields (continuation lines folded, comments dropped). */
function deb822Stanzas(text: string): Array<Record<string, string>> {
  const stanzas: Array<Record<string, string>> = [];
  let cur: Record<string, string> = {};
  let last: string | undefined;
  const flush = () => {
    if (Object.keys(cur).length) stanzas.push(cur);
    cur = {};
    last = undefined;
  };
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (!line.trim()) {
      flush();
      continue;
    }
    const cont = /^\s/.test(line);
    if (cont && last) {
      cur[last] += ` ${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    cur[last] = m[2]!.trim();
  }
  flush();
  return stanzas;
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);

/** A deb822 `.sources` file (`Types:`, `URIs:`, `Suites:`; `Enabled: no` stanzas skipped). */
export function parseDeb822Sources(text: string): AptSource[] {
  return deb822Stanzas(text)
    .filter((s) => !/^(no|false|0)$/i.test(s.enabled ?? ''))
    .map((s) => ({ types: words(s.types), uris: words(s.uris), suites: words(s.suites), components: words(s.components), signedBy: s['signed-by'] }))
    .filter((s) => s.uris.length > 0);
}

/** A classic one-line `sources.list`: `deb [options] URI SUITE COMPONENT...`. */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[2] ?? '')?.[1];
    out.push({ types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: words(m[5]), signedBy });
  }
  return out;
}

const web = (u: string): boolean => /^https?:\/\//.test(u);

/**
 * The mirror of Debian's main archive among the sources: a binary (`deb`) http(s) source with
 * component `main` and a plain suite name (the security archive and -updates only carry
 * suffixed suites). Best: the suite itself, signed by Debian's archive keyring (or unsigned,
 * i.e. by the default keyring); ties go to the first listed. Trailing slashes are dropped.
 */
export function pickMirror(sources: AptSource[], suite: string): string | undefined {
  const score = (s: AptSource): number =>
    (s.suites.includes(suite) ? 4 : 0) + (s.signedBy === undefined || s.signedBy.endsWith('/debian-archive-keyring.gpg') ? 1 : 0);
  const candidates = sources.filter(
    (s) => s.types.includes('deb') && s.uris.some(web) && s.components.includes('main') && s.suites.some((x) => /^[a-z]+$/.test(x)),
  );
  let best: AptSource | undefined;
  for (const c of candidates) if (!best || score(c) > score(best)) best = c;
  return best?.uris.find(web)?.replace(/\/+$/, '');
}

/** The sources of a machine: /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources}. */
export function readAptSources(root = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const list = join(root, 'sources.list');
  if (existsSync(list)) out.push(...parseSourcesList(readFileSync(list, 'utf8')));
  const dir = join(root, 'sources.list.d');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      const text = () => readFileSync(join(dir, f), 'utf8');
      if (f.endsWith('.sources')) out.push(...parseDeb822Sources(text()));
      else if (f.endsWith('.list')) out.push(...parseSourcesList(text()));
    }
  }
  return out;
}

/** RF_LAB_MIRROR, else the machine's Debian mirror; throws saying how to set one. */
export function debianMirror(suite: string, root = '/etc/apt'): string {
  const env = process.env.RF_LAB_MIRROR?.trim();
  if (env) return env.replace(/\/+$/, '');
  const found = pickMirror(readAptSources(root), suite);
  if (!found) {
    throw new Error(
      `no Debian mirror found in ${root}/sources.list or ${root}/sources.list.d/ (a "deb" source with suite ${suite}); ` +
        'set RF_LAB_MIRROR to the URL of a Debian mirror',
    );
  }
  return found;
}
