// The leak detector the black-box tests rely on finds each form a secret travels in.
import { describe, expect, it } from 'vitest';
import { canary, findLeaks, leakForms } from '../../e2e/support/leaks.js';

describe('findLeaks', () => {
  const pw = canary('+/:@%&"é');
  const secrets = { pw };

  it.each([
    ['raw', `x ${pw} y`],
    ['url-encoded', `rest:http://admin:${encodeURIComponent(pw)}@server:8080/`],
    ['json-escaped', JSON.stringify({ v: pw })],
    ['base64', Buffer.from(pw).toString('base64')],
    ['base64 (offset 0)', Buffer.from(`${pw}tail`).toString('base64')],
    ['base64 (offset 1)', Buffer.from(`x${pw}`).toString('base64')],
    ['base64 (offset 2)', `Basic ${Buffer.from(`ad${pw}`).toString('base64')}`],
    ['base64 (offset 0)', `Basic ${Buffer.from(`admin:${pw}`).toString('base64')}`], // HTTP Basic credentials
  ])('finds the %s form', (form, text) => {
    expect(findLeaks({ text }, secrets).map((l) => l.form)).toContain(form);
  });

  it('finds any line of a multi-line secret (a private key) and never reports the value itself', () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'A'.repeat(70)}\n${canary()}${'b'.repeat(40)}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const line = key.split('\n')[2]!;
    const leaks = findLeaks({ log: `error: ${line}` }, { key });
    expect(leaks.map((l) => l.form)).toContain('line 2');
    expect(JSON.stringify(leaks)).not.toContain(line);
    expect(leakForms(key).filter((f) => f.form.startsWith('line')).map((f) => f.text)).toEqual(['A'.repeat(70), line]); // not the BEGIN/END lines
  });

  it('finds nothing in text without the secret', () => {
    expect(findLeaks({ text: `rest:http://admin:***@server:8080/ ${canary()}` }, secrets)).toEqual([]);
  });
});
