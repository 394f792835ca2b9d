// Copies the BLAKE3 of @noble/hashes (and the files it imports) from node_modules into vendor/,
// verbatim, so that verify.html works offline and proofs.js runs with no install at all.
// `node vendor.js --check` fails when the copy differs from the installed package.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const from = join(here, 'node_modules', '@noble', 'hashes');
const to = join(here, 'vendor', 'noble-hashes');
const files = ['blake3.js', 'blake2.js', '_blake.js', '_md.js', '_u64.js', 'utils.js', 'LICENSE', 'package.json'];
const check = process.argv.includes('--check');

if (!existsSync(from)) {
  console.error(`${from} is missing: run npm ci in clients/js first`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
let stale = 0;
for (const file of files) {
  const source = readFileSync(join(from, file));
  const target = join(to, file);
  if (check) {
    if (!existsSync(target) || !readFileSync(target).equals(source)) {
      console.error(`vendor/noble-hashes/${file} differs from node_modules/@noble/hashes/${file}: run npm run vendor`);
      stale++;
    }
  } else {
    writeFileSync(target, source);
  }
}
if (stale > 0) process.exit(1);
const version = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
console.log(`${check ? 'checked' : 'copied'} ${files.length} files of @noble/hashes ${version} ${check ? 'against' : 'into'} vendor/noble-hashes`);
