/**
 * No secret in a public field, in any spelling. Templating from a secret is caught where
 * the value is prepared (validate.ts: a Secret in a public field); this catches the
 * same secret *written out* in a public field (a password pasted into a tag, a set id or
 * a host name), in any case and URL-encoded, because restic-fleet lower-cases and slugs
 * public text before it reaches plans, cron files and logs, past the runner's masking.
 */
import { isPlaceholderSecret } from './resolve.js';
import { isSecret, MIN_MASK_LENGTH, type Secret } from '../secret.js';
import type { HostConfig } from './config.js';
import { keyPath } from './raw.js';
import { isPasswordPath } from './schema.js';
import type { Diagnostic, HostVars, Path, VarValue } from './types.js';

/**
 * Every public text of a host, with its variable path: the host name, and every string or
 * number restic-fleet reads that is not a password. Taken from the variables, not the
 * validated config, so a host with other errors is checked too. Secrets are skipped:
 * a Secret in a public field is reported where the values are prepared.
 */
export function publicFields(h: HostVars): Array<{ path: Path; value: string }> {
  const out: Array<{ path: Path; value: string }> = [{ path: [], value: h.name }];
  const walk = (v: VarValue, path: Path): void => {
    if (isSecret(v) || isPasswordPath(path)) return;
    if (typeof v === 'string' || typeof v === 'number') out.push({ path, value: String(v) });
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, item] of Object.entries(v)) walk(item, [...path, k]);
  };
  for (const [name, v] of Object.entries(h.vars)) walk(v, [name]);
  return out;
}

/** The secrets of this inventory: every Secret in the hosts' variables and configs (offline placeholders excepted). */
function inventorySecrets(vars: HostVars[], hosts: HostConfig[]): Secret[] {
  const found = new Map<string, Secret>();
  const walk = (v: VarValue | undefined): void => {
    if (isSecret(v)) {
      if (!isPlaceholderSecret(v) && v.reveal().length >= MIN_MASK_LENGTH) found.set(v.reveal(), v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const h of vars) walk(h.vars as VarValue);
  for (const h of hosts) {
    h.server?.users.forEach((u) => walk(u.password));
    walk(h.client?.password);
    walk(h.client?.repoPassword);
  }
  return [...found.values()];
}

/**
 * Finds a secret's form inside public text. Indexed by each form's first MIN_MASK_LENGTH
 * characters, so the cost is one lookup per position of the text, not one scan per
 * secret: an inventory of 1,000 hosts each with its own password stays linear.
 */
function secretFinder(secrets: Secret[]): (text: string) => { origin: string } | undefined {
  const byPrefix = new Map<string, Array<{ form: string; origin: string }>>();
  for (const s of secrets) {
    for (const form of new Set([s.reveal(), encodeURIComponent(s.reveal())].map((f) => f.toLowerCase()))) {
      const key = form.slice(0, MIN_MASK_LENGTH);
      const list = byPrefix.get(key) ?? [];
      list.push({ form, origin: s.origin });
      byPrefix.set(key, list);
    }
  }
  return (text) => {
    for (let i = 0; i + MIN_MASK_LENGTH <= text.length; i++) {
      const hit = byPrefix.get(text.slice(i, i + MIN_MASK_LENGTH))?.find((e) => text.startsWith(e.form, i));
      if (hit) return hit;
    }
    return undefined;
  };
}

/** An error for each public field that contains a secret of the inventory (any case, or URL-encoded). */
export function checkSecretsInPublicFields(vars: HostVars[], hosts: HostConfig[]): Diagnostic[] {
  const secrets = inventorySecrets(vars, hosts);
  if (!secrets.length) return [];
  const find = secretFinder(secrets);
  const out: Diagnostic[] = [];
  for (const h of vars) {
    for (const { path, value } of publicFields(h)) {
      const hit = find(value.toLowerCase());
      if (!hit) continue;
      const d: Diagnostic = {
        severity: 'error',
        message: `contains the value of a secret (${hit.origin}): ${path.length ? keyPath(path) : 'the host name'} is public (shown in plans, logs and files), so no secret may appear in it`,
      };
      if (path.length) d.key = keyPath(path);
      const pos = h.posOf(path);
      if (pos) d.pos = pos;
      out.push(d);
    }
  }
  return out;
}
