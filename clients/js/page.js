// The verify.html form: reads the picked files, verifies with proofs.js and says what was proven.
import { verify, describe, fromHex } from './proofs.js';

const $ = (id) => document.getElementById(id);

async function bytesOf(input) {
  const file = input.files[0];
  return file ? new Uint8Array(await file.arrayBuffer()) : null;
}

function show(verdict, lines) {
  $('result').dataset.verdict = verdict;
  $('verdict').textContent = verdict === 'valid' ? 'VALID' : verdict === 'invalid' ? 'INVALID' : 'INVALID (malformed proof)';
  $('statement').textContent = lines.join('\n');
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const proof = await bytesOf($('proof'));
    if (!proof) return show('malformed', ['Pick a proof file.']);
    const rootText = $('root').value.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(rootText)) return show('malformed', ['The root is 64 hex digits.']);
    const claimed = await bytesOf($('claim'));
    const contractText = $('contract').value.trim();
    const claim = { page: claimed ?? undefined, data: claimed ?? undefined };
    if (contractText) claim.contract = fromHex(contractText);
    const result = verify(proof, rootText, claim);
    if (result.verdict === 'valid') {
      show('valid', ['Proven in state ' + rootText.toLowerCase() + ':', ...describe(result.proof)]);
    } else {
      const claims = result.proof ? ['', 'The proof claims:', ...describe(result.proof)] : [];
      show(result.verdict, [result.reason, ...claims]);
    }
  } catch (error) {
    show('malformed', [String(error.message ?? error)]);
  }
});
