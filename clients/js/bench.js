// Times this verifier on the proofs the C# proof benches verify, against BLAKE3 of the same inputs
// (the same sizes and number of hashes as the verification), in the same run:
//   dotnet run -c Release --project bench/Bench.csproj -- --write-proofs /tmp/proofs
//   node clients/js/bench.js /tmp/proofs
// Prints a Markdown table: medians of 7 alternating measurements of at least 0.3 s each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyPage, verifyRange } from './proofs.js';
import { blake3 } from './vendor/noble-hashes/blake3.js';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node bench.js <folder written by bench --write-proofs>');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
const read = (file) => new Uint8Array(readFileSync(join(folder, file)));
const root = manifest.root;

// Medians of 7 alternating samples of at least 0.3 s each, so that both sides see the same machine load.
function timeBoth(first, second) {
  const sample = (operation) => {
    let runs = 0;
    const start = performance.now();
    let now = start;
    while (now - start < 300) {
      operation();
      runs++;
      now = performance.now();
    }
    return (now - start) * 1000 / runs; // µs per operation
  };
  sample(first);
  sample(second);
  const a = [], b = [];
  for (let s = 0; s < 7; s++) {
    a.push(sample(first));
    b.push(sample(second));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[3];
  return [median(a), median(b)];
}

const input = new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 0xff);
const rawHashes = (work) => () => {
  for (const { size, count } of work) for (let i = 0; i < count; i++) blake3(input.subarray(0, size));
};

console.log(`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| proof | bytes | hashes | raw BLAKE3 | verify | ratio | page proofs instead |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const c of manifest.cases) {
  const proof = read(c.proof);
  const claim = read(c.claim);
  const verify = c.kind === 'page' ? () => verifyPage(proof, root, claim) : () => verifyRange(proof, root, claim);
  if (verify().verdict !== 'valid') throw new Error(`${c.name} does not verify`);
  const singles = c.singles.map((s) => [read(`${s}.proof`), read(`${s}.page`)]);
  const [raw, verified] = timeBoth(rawHashes(c.work), verify);
  let instead = '';
  if (singles.length > 0) {
    const all = () => singles.every(([p, page]) => verifyPage(p, root, page).verdict === 'valid');
    if (!all()) throw new Error(`${c.name}: a page proof does not verify`);
    const [, pages] = timeBoth(verify, all);
    instead = `${pages.toFixed(1)} µs (${singles.reduce((n, [p]) => n + p.length, 0)} bytes)`;
  }
  const hashes = c.work.reduce((n, w) => n + w.count, 0);
  console.log(`| ${c.name} | ${c.proofBytes} | ${hashes} | ${raw.toFixed(1)} µs | ${verified.toFixed(1)} µs | ${(verified / raw).toFixed(2)} | ${instead} |`);
}
