import { inspect } from 'node:util';

/**
 * A secret value. It prints as `***` everywhere (String(), JSON, util.inspect,
 * template literals) and is revealed only by `reveal()`, which only code that
 * writes to stdin or a 0600 file should call.
 *
 * Every Secret registers its value (and common encodings) with the process-wide
 * registry the moment it is created, so masking (core.setSecret) and our own
 * redaction of API bodies/outputs know it before anything can print it.
 */
export class Secret {
  readonly #value: string;
  /** Where the value came from, for messages: "env VAULT_X", "vault group_vars/client/vault.yml". Never the value. */
  readonly origin: string;

  constructor(value: string, origin: string) {
    this.#value = value;
    this.origin = origin;
    registerSecretValue(value);
  }

  reveal(): string {
    return this.#value;
  }

  /** A new secret computed from this one (e.g. a URL with the password inside); registered too. */
  derive(fn: (v: string) => string, origin = this.origin): Secret {
    return new Secret(fn(this.#value), origin);
  }

  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [inspect.custom](): string {
    return 'Secret(***)';
  }
}

export const isSecret = (v: unknown): v is Secret => v instanceof Secret;

/** A string that may hold a secret: plain strings are public. */
export type MaybeSecret = string | Secret;
export const reveal = (v: MaybeSecret): string => (typeof v === 'string' ? v : v.reveal());

/**
 * Joins parts into one value; the result is a Secret when any part is one.
 * Used by templating ("rest:http://{{ user }}:{{ pass }}@...") and desired state.
 */
export function concatMaybeSecret(parts: MaybeSecret[], origin = 'derived'): MaybeSecret {
  if (!parts.some(isSecret)) return (parts as string[]).join('');
  const origins = parts.filter(isSecret).map((p) => p.origin);
  return new Secret(parts.map(reveal).join(''), origins.length ? origins.join(', ') : origin);
}

// ---- registry ---------------------------------------------------------------

type Sink = (value: string) => void;
const values = new Set<string>();
const sinks: Sink[] = [];

/** Secrets shorter than this are not masked by substring (too many false hits); they are still never printed. */
export const MIN_MASK_LENGTH = 3;

/** Called for every new secret value; the action adds core.setSecret here. */
export function addSecretSink(sink: Sink): void {
  sinks.push(sink);
  for (const v of values) sink(v);
}

/** Registers a raw value and the encodings it is likely to travel in. */
export function registerSecretValue(value: string): void {
  if (value.length < MIN_MASK_LENGTH) return;
  for (const form of encodedForms(value)) {
    if (values.has(form)) continue;
    values.add(form);
    for (const sink of sinks) sink(form);
  }
}

/**
 * The forms a secret travels in: raw, URL-encoded, JSON-escaped, base64 — and the forms
 * restic-fleet itself derives from text, where a secret could end up despite the schema:
 * lower case (repository keys and URLs lower-case the host) and the set-id slug (lower
 * case, runs of other characters as "-", at most 40 characters; src/desired/slug.ts).
 */
function encodedForms(value: string): string[] {
  const forms = new Set<string>();
  for (const v of new Set([value, value.toLowerCase()])) {
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(JSON.stringify(v).slice(1, -1));
    forms.add(Buffer.from(v).toString('base64').replace(/=+$/, ''));
  }
  const slug = value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  forms.add(slug);
  forms.add(slug.slice(0, 40));
  return [...forms].filter((f) => f.length >= MIN_MASK_LENGTH);
}

/**
 * The registry sorted longest first, and one regex of every value: redact() runs for every
 * line of a plan, and an inventory of a thousand clients registers thousands of values
 * (passwords, rest: URLs, their encodings). Sorting them and searching each one per line
 * took a minute; the regex says in one native pass whether a line holds any secret at all.
 * Rebuilt when the registry grows (it only grows, or is cleared by tests).
 */
let index: { size: number; sorted: string[]; any: RegExp | null } | undefined;
function registryIndex(): { sorted: string[]; any: RegExp | null } {
  if (!index || index.size !== values.size) {
    const sorted = [...values].sort((a, b) => b.length - a.length);
    const any = sorted.length ? new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')) : null;
    index = { size: values.size, sorted, any };
  }
  return index;
}

/** All registered secret values, longest first (so a longer secret is replaced before its substrings). */
export function registeredSecretValues(): string[] {
  return [...registryIndex().sorted];
}

/** Replaces every registered secret value (and its encodings) in text with `***`. */
export function redact(text: string): string {
  const { sorted, any } = registryIndex();
  if (!any || !any.test(text)) return text;
  let out = text;
  for (const v of sorted) {
    if (out.includes(v)) out = out.split(v).join('***');
  }
  return out;
}

/** Test helper: forget all registered values. */
export function clearSecretRegistryForTests(): void {
  values.clear();
  index = undefined;
  sinks.length = 0;
}
