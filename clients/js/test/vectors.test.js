// The constants and every test vector of docs/PROOFS.md, checked with this verifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, hex, fromHex, ZERO_PAGE_KEY, EMPTY_CONTRACTS, EMPTY_PAGES, H } from '../proofs.js';
import { blocks, compactBytes } from './spec.js';

test('the constants are the ones the spec lists', () => {
  const [constants] = blocks('constants');
  assert.equal(hex(ZERO_PAGE_KEY), constants.zero_page_key);
  assert.equal(hex(EMPTY_CONTRACTS), constants.empty_contracts);
  for (let l = 0; l <= 30; l++) assert.equal(hex(EMPTY_PAGES[l]), constants[`E[${l}]`], `E[${l}]`);
});

test('every vector gets its stated verdict', () => {
  const vectors = blocks('vector');
  assert.ok(vectors.length >= 15, `only ${vectors.length} vectors`);
  const seen = new Set();
  for (const v of vectors) {
    const claim = v.kind === 'page' ? { page: compactBytes(v.page) }
      : v.kind === 'range' ? { data: compactBytes(v.data) }
      : { contract: fromHex(v.contract) };
    const result = verify(compactBytes(v.proof), v.root, claim);
    assert.equal(result.verdict, v.expect, `${v.name}: ${result.reason}`);
    seen.add(`${v.kind} ${v.expect}`);
    if (v.page_key) assert.equal(hex(H(compactBytes(v.page))), v.page_key);
  }
  for (const kind of ['page', 'absence', 'range']) {
    assert.ok(seen.has(`${kind} valid`) && seen.has(`${kind} invalid`), kind);
  }
  assert.ok(seen.has('page malformed'));
});
