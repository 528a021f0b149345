import type { ClientConfig } from '../inventory/config.js';
import { concatMaybeSecret, type MaybeSecret } from '../secret.js';

export interface ParsedRepo {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string; // starts with "/", no trailing slash ("/" alone for the root)
}

/**
 * restic_repo as the seed writes it ("server.example.com:8080/backup", implying
 * rest:http://) or as a full "rest:http(s)://host:port/path". The schema has already
 * rejected credentials inside the URL and anything that is not one of these forms.
 */
export function parseRepo(repo: string): ParsedRepo {
  const m = /^(?:rest:(https?):\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(repo.trim());
  if (!m) throw new Error(`restic_repo "${repo}" is not host:port/path or rest:http(s)://host:port/path`);
  const scheme = (m[1] as 'http' | 'https' | undefined) ?? 'http';
  const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
  const path = (m[4] ?? '/').replace(/\/+$/, '') || '/';
  return { scheme, host: m[2]!.toLowerCase(), port, path };
}

/** Identity of a repository, without credentials: two clients with the same key share it. */
export const repoKey = (r: ParsedRepo): string => `${r.scheme}://${r.host}:${r.port}${r.path}`;

/** The rest: URL with HTTP credentials; a Secret whenever a password is inside. */
export function repoUrl(r: ParsedRepo, client: Pick<ClientConfig, 'user' | 'password'>): MaybeSecret {
  const base = `${r.host}:${r.port}${r.path === '/' ? '/' : r.path}`;
  if (!client.user) return `rest:${r.scheme}://${base}`;
  const user = encodeURIComponent(client.user);
  if (!client.password) return `rest:${r.scheme}://${user}@${base}`;
  const pass = client.password.derive(encodeURIComponent);
  return concatMaybeSecret([`rest:${r.scheme}://${user}:`, pass, `@${base}`]);
}

export function repoDisplay(r: ParsedRepo, client: Pick<ClientConfig, 'user' | 'password'>): string {
  const cred = client.user ? `${encodeURIComponent(client.user)}${client.password ? ':***' : ''}@` : '';
  return `rest:${r.scheme}://${cred}${r.host}:${r.port}${r.path}`;
}
