// Finds secret values in text a run produced, in the forms they travel in: raw,
// URL-encoded, JSON-escaped, base64 (padded or not, and shifted: inside a longer
// base64 string such as an HTTP Basic header), base64url, and per line for multi-line
// secrets (a private key). Tests give long random values so a hit is never chance.
import { randomBytes } from 'node:crypto';

/** A distinctive secret: `leakcanary-<hex>` plus an optional tail of characters that need encoding. */
export const canary = (tail = ''): string => `leakcanary-${randomBytes(16).toString('hex')}${tail}`;

/** The base64 characters that depend only on `value` when it starts at byte offset `shift` (0..2) of a longer string. */
function shiftedBase64(value: string, shift: number): string {
  const bytes = Buffer.concat([Buffer.alloc(shift, 0x41), Buffer.from(value)]);
  const b64 = bytes.toString('base64').replace(/=+$/, '');
  const start = Math.ceil((shift * 4) / 3);
  const end = Math.floor(((shift + Buffer.byteLength(value)) * 4) / 3);
  return b64.slice(start, end);
}

export function leakForms(value: string): Array<{ form: string; text: string }> {
  const forms: Array<{ form: string; text: string }> = [
    { form: 'raw', text: value },
    { form: 'url-encoded', text: encodeURIComponent(value) },
    { form: 'url-encoded twice', text: encodeURIComponent(encodeURIComponent(value)) },
    { form: 'json-escaped', text: JSON.stringify(value).slice(1, -1) },
    { form: 'base64', text: Buffer.from(value).toString('base64') },
    { form: 'base64url', text: Buffer.from(value).toString('base64url') },
  ];
  for (const shift of [0, 1, 2]) forms.push({ form: `base64 (offset ${shift})`, text: shiftedBase64(value, shift) });
  // Multi-line secrets (keys): every line long enough to be distinctive.
  const lines = value.split('\n').map((l) => l.trim());
  if (lines.length > 1) lines.filter((l) => l.length >= 24 && !l.startsWith('-----')).forEach((l, i) => forms.push({ form: `line ${i + 1}`, text: l }));
  return forms.filter((f) => f.text.length >= 12);
}

export interface Leak {
  where: string;
  secret: string; // the label of the secret, never its value
  form: string;
  context: string; // text around the hit with the hit itself replaced
}

/** Every occurrence of every secret (in every form) in every named text. */
export function findLeaks(texts: Record<string, string>, secrets: Record<string, string>): Leak[] {
  const leaks: Leak[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [label, value] of Object.entries(secrets)) {
      for (const { form, text: needle } of leakForms(value)) {
        const i = text.indexOf(needle);
        if (i < 0) continue;
        const context = `${text.slice(Math.max(0, i - 80), i)}<<${label} ${form}>>${text.slice(i + needle.length, i + needle.length + 80)}`;
        leaks.push({ where, secret: label, form, context });
      }
    }
  }
  return leaks;
}
