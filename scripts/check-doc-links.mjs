// Checks relative links of README.md, CONTRIBUTING.md and docs/*.md: the file exists, and a
// #anchor is a heading of it (GitHub's slug rules). Run by hand: node scripts/check-doc-links.mjs
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const files = ['README.md', 'CONTRIBUTING.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const withoutCode = (t) => t.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, (m) => m.replace(/[[\]()]/g, ' '));
function anchors(file) {
  const seen = new Map();
  const out = new Set();
  for (const line of readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
    if (!m) continue;
    let slug = m[1].toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}
let bad = 0;
for (const f of files) {
  for (const [, target] of withoutCode(readFileSync(f, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path, hash] = target.split('#');
    const file = path ? normalize(join(dirname(f), path)) : f;
    if (!existsSync(file)) { console.log(`${f}: ${target}: no file ${file}`); bad++; continue; }
    if (hash !== undefined && file.endsWith('.md') && !anchors(file).has(decodeURIComponent(hash))) { console.log(`${f}: ${target}: no anchor #${hash} in ${file}`); bad++; }
  }
}
console.log(bad ? `${bad} broken link(s)` : `links ok in ${files.length} files`);
process.exit(bad ? 1 : 0);
