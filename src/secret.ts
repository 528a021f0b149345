import { SubstringMatcher } from './util/substring-matcher.js';
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
    matcher.add(form);
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
 * One matcher of every registered value: redact() runs for every line of a plan, and an
 * inventory of a thousand clients registers thousands of values (passwords, rest: URLs,
 * their encodings, lower case) that share long prefixes. The matcher finds them all in one
 * pass over the text, whatever their number, and grows with the registry.
 */
let matcher = new SubstringMatcher();
let sortedCache: string[] | undefined;

/** All registered secret values, longest first (so a longer secret is replaced before its substrings). */
export function registeredSecretValues(): string[] {
  if (!sortedCache || sortedCache.length !== values.size) sortedCache = [...values].sort((a, b) => b.length - a.length);
  return [...sortedCache];
}

/** Replaces every registered secret value (and its encodings) in text with `***` (overlapping ones as one). */
export function redact(text: string): string {
  if (!values.size) return text;
  const ranges = matcher.ranges(text);
  if (!ranges.length) return text;
  let out = '';
  let last = 0;
  for (const [start, end] of ranges) {
    out += `${text.slice(last, start)}***`;
    last = end;
  }
  return out + text.slice(last);
}

/** Test helper: forget all registered values. */
export function clearSecretRegistryForTests(): void {
  values.clear();
  matcher = new SubstringMatcher();
  sortedCache = undefined;
  sinks.length = 0;
}
