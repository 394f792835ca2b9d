// Verifies every case of a proof corpus (manifest.json in the given folder, written by the C#
// test JsVerifierTests) and prints { name: verdict } as JSON, for the C# side to compare.
//   node test/corpus.js <folder>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verify, fromHex } from '../proofs.js';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node test/corpus.js <folder with manifest.json>');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
const read = (file) => new Uint8Array(readFileSync(join(folder, file)));
const verdicts = {};
for (const c of manifest.cases) {
  const claim = {};
  if (c.page) claim.page = read(c.page);
  if (c.data) claim.data = read(c.data);
  if (c.contract) claim.contract = fromHex(c.contract);
  verdicts[c.name] = verify(read(c.proof), c.root, claim).verdict;
}
process.stdout.write(JSON.stringify(verdicts));
