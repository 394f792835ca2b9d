// Verifier of Piecrust.Store state proofs (page, absence and range proofs, version 2), written from
// docs/PROOFS.md alone. Section names in the comments refer to that document.
//
// Every verify function returns { verdict, reason, proof }: verdict is 'valid', 'invalid' (a
// well-formed proof that does not hold) or 'malformed' (bytes that are not a proof of this version);
// reason says why it is not valid; proof is the parsed proof when the bytes parse.
//
// Roots, ids and byte arguments are Uint8Arrays (hashes and ids may also be 64 hex digits).
// 64-bit integers (memory length, page index, offset, length) are BigInts.

import { blake3 } from './vendor/noble-hashes/blake3.js';

export const FORMAT_VERSION = 2;
export const KIND = Object.freeze({ page: 1, absence: 2, range: 3 });
const KIND_NAMES = { 1: 'page', 2: 'absence', 3: 'range' };

// Tags ("The state tree").
const TAG_PAGE_LEAF = 0x00;
const TAG_PAGE_NODE = 0x01;
const TAG_EMPTY_CONTRACTS = 0x02;
const TAG_CONTRACT_LEAF = 0x03;
const TAG_MEMORY_ROOT = 0x04;
const TAG_CONTRACT_NODE = 0x05;

const PAGE_SIZE = 4096;
const PAGE_SIZE_N = 4096n;
const MAX_DEPTH = 256;
const HEIGHT_32 = 20;
const HEIGHT_64 = 30;

/** A byte string that is not a well-formed proof of this version. */
export class ProofFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProofFormatError';
  }
}

// ---------------------------------------------------------------------------------------------
// Hashing ("Notation", "The state tree")

/** H(parts concatenated): BLAKE3, default mode, 32-byte output. */
export function H(...parts) {
  let length = 0;
  for (const part of parts) length += part.length;
  const input = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
  }
  return blake3(input);
}

function u64le(value) {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

const byte = (value) => Uint8Array.of(value);

/** H(4096 zero bytes): the key of a zero page. */
export const ZERO_PAGE_KEY = H(new Uint8Array(PAGE_SIZE));
/** H(0x02): the value of an empty contract subtree, at every depth, and the root of the empty state. */
export const EMPTY_CONTRACTS = H(byte(TAG_EMPTY_CONTRACTS));
/** E[l]: the value of a page subtree of height l holding only zero pages, l = 0 … 30. */
export const EMPTY_PAGES = (() => {
  const empty = [H(byte(TAG_PAGE_LEAF), ZERO_PAGE_KEY)];
  for (let l = 1; l <= HEIGHT_64; l++) empty.push(H(byte(TAG_PAGE_NODE), empty[l - 1], empty[l - 1]));
  return empty;
})();

const pageLeaf = (page) => H(byte(TAG_PAGE_LEAF), H(page));
const pageNode = (left, right) => H(byte(TAG_PAGE_NODE), left, right);
const contractNode = (left, right) => H(byte(TAG_CONTRACT_NODE), left, right);
const memoryRoot = (pageTreeRoot, memoryLength, is64) =>
  H(byte(TAG_MEMORY_ROOT), pageTreeRoot, u64le(memoryLength), byte(is64 ? 1 : 0));
const contractLeaf = (id, bytecodeHash, ownerHash, memRoot) =>
  H(byte(TAG_CONTRACT_LEAF), id, bytecodeHash, ownerHash, memRoot);

/** bit(id, k): bit k of an id, counted from the most significant bit of byte 0. */
const idBit = (id, k) => (id[k >> 3] >> (7 - (k & 7))) & 1;

const heightOf = (is64) => (is64 ? HEIGHT_64 : HEIGHT_32);

// ---------------------------------------------------------------------------------------------
// Reading ("Common encoding", "Sibling lists")

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = 0;
  }

  take(length) {
    if (this.bytes.length - this.at < length) {
      throw new ProofFormatError(`the proof ends early (needed ${length} bytes at offset ${this.at} of ${this.bytes.length})`);
    }
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  u8() { return this.take(1)[0]; }
  u16() { const at = this.at; this.take(2); return this.view.getUint16(at, true); }
  u64() { const at = this.at; this.take(8); return this.view.getBigUint64(at, true); }
  hash() { return this.take(32).slice(); }

  flag(what) {
    const value = this.u8();
    if (value > 1) throw new ProofFormatError(`the ${what} byte is ${value}, not 0 or 1`);
    return value === 1;
  }

  /** n siblings: bitmap, then the ones not marked; emptyAt(i) is sibling i's empty value. */
  siblings(n, emptyAt) {
    const bitmap = this.take(Math.ceil(n / 8));
    if (n % 8 !== 0 && bitmap[bitmap.length - 1] >> (n % 8) !== 0) {
      throw new ProofFormatError('the sibling bitmap has bits set past its end');
    }
    const siblings = [];
    for (let i = 0; i < n; i++) {
      if ((bitmap[i >> 3] >> (i & 7)) & 1) {
        siblings.push(emptyAt(i));
        continue;
      }
      const sibling = this.hash();
      if (equal(sibling, emptyAt(i))) {
        throw new ProofFormatError(`sibling ${i} is written out but is an empty subtree (empty siblings are marked in the bitmap only)`);
      }
      siblings.push(sibling);
    }
    return siblings;
  }

  end() {
    if (this.at !== this.bytes.length) throw new ProofFormatError(`the proof has ${this.bytes.length - this.at} trailing bytes`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Parses proof bytes of any kind; throws ProofFormatError for malformed bytes. */
export function parseProof(bytes) {
  bytes = toBytes(bytes);
  const reader = new Reader(bytes);
  const version = reader.u8();
  if (version !== FORMAT_VERSION) throw new ProofFormatError(`unknown proof version ${version} (this verifier reads version ${FORMAT_VERSION})`);
  const kind = reader.u8();
  switch (kind) {
    case KIND.page: return parsePage(reader);
    case KIND.absence: return parseAbsence(reader);
    case KIND.range: return parseRange(reader);
    default: throw new ProofFormatError(`unknown proof kind ${kind} (1 page, 2 absence, 3 range)`);
  }
}

// "Page proof"
function parsePage(reader) {
  const id = reader.hash();
  const bytecodeHash = reader.hash();
  const owner = reader.take(reader.u16()).slice();
  const memoryLength = reader.u64();
  const is64 = reader.flag('is64');
  const pageIndex = reader.u64();
  const height = heightOf(is64);
  if (pageIndex >= 1n << BigInt(height)) {
    throw new ProofFormatError(`page ${pageIndex} is outside the page tree of a ${is64 ? 64 : 32}-bit memory`);
  }
  if (pageIndex >= ceilDiv(memoryLength, PAGE_SIZE_N)) {
    throw new ProofFormatError(`page ${pageIndex} lies at or beyond the memory length ${memoryLength}: nothing outside the memory is provable`);
  }
  const pageSiblings = reader.siblings(height, (l) => EMPTY_PAGES[l]);
  const depth = reader.u16();
  if (depth > MAX_DEPTH) throw new ProofFormatError(`a contract path has at most ${MAX_DEPTH} steps, got ${depth}`);
  const contractSiblings = reader.siblings(depth, () => EMPTY_CONTRACTS);
  reader.end();
  return { kind: 'page', id, bytecodeHash, owner, memoryLength, is64, pageIndex, pageSiblings, depth, contractSiblings };
}

// "Absence proof"
function parseAbsence(reader) {
  const id = reader.hash();
  const depth = reader.u16();
  if (depth > MAX_DEPTH) throw new ProofFormatError(`a contract path has at most ${MAX_DEPTH} steps, got ${depth}`);
  const siblings = reader.siblings(depth, () => EMPTY_CONTRACTS);
  let other = null;
  if (reader.flag('terminal')) {
    other = { id: reader.hash(), bytecodeHash: reader.hash(), ownerHash: reader.hash(), memoryRoot: reader.hash() };
    if (equal(other.id, id)) throw new ProofFormatError('the leaf that ends the path is the id said to be absent');
    for (let k = 0; k < depth; k++) {
      if (idBit(other.id, k) !== idBit(id, k)) {
        throw new ProofFormatError(`the leaf that ends the path differs from the absent id in bit ${k}, above the path's end at depth ${depth}`);
      }
    }
  }
  reader.end();
  return { kind: 'absence', id, depth, siblings, other };
}

// "Range proof"
function parseRange(reader) {
  const count = reader.u16();
  if (count === 0) throw new ProofFormatError('a range proof has at least one entry');
  const entries = [];
  for (let i = 0; i < count; i++) entries.push(parseEntry(reader));
  for (let i = 1; i < count; i++) {
    if (compare(entries[i - 1].id, entries[i].id) >= 0) throw new ProofFormatError(`entry ${i}'s id is not above entry ${i - 1}'s (ids strictly ascend)`);
  }
  const siblingCount = multiproofWalk(entries, null);
  const contractSiblings = reader.siblings(siblingCount, () => EMPTY_CONTRACTS);
  reader.end();
  return { kind: 'range', entries, contractSiblings };
}

function parseEntry(reader) {
  const id = reader.hash();
  const bytecodeHash = reader.hash();
  const owner = reader.take(reader.u16()).slice();
  const memoryLength = reader.u64();
  const is64 = reader.flag('is64');
  const offset = reader.u64();
  const length = reader.u64();
  const height = heightOf(is64);
  if (length === 0n) {
    if (offset !== 0n) throw new ProofFormatError(`an empty range has offset 0, got ${offset}`);
  } else {
    if (offset > memoryLength || length > memoryLength - offset) {
      throw new ProofFormatError(`bytes [${offset}, ${offset}+${length}) reach beyond the memory length ${memoryLength}: nothing outside the memory is provable`);
    }
    if ((offset + length - 1n) / PAGE_SIZE_N >= 1n << BigInt(height)) {
      throw new ProofFormatError(`bytes [${offset}, ${offset}+${length}) reach beyond the page tree`);
    }
  }
  const depth = reader.u16();
  if (depth > MAX_DEPTH) throw new ProofFormatError(`a contract path has at most ${MAX_DEPTH} steps, got ${depth}`);
  const headLength = length === 0n ? 0 : Number(offset % PAGE_SIZE_N);
  const tailLength = length === 0n ? 0 : Number((PAGE_SIZE_N - ((offset + length) % PAGE_SIZE_N)) % PAGE_SIZE_N);
  const head = reader.take(headLength).slice();
  const tail = reader.take(tailLength).slice();
  const levels = siblingLevels(offset, length, height);
  const pageSiblings = reader.siblings(levels.length, (i) => EMPTY_PAGES[levels[i]]);
  return { id, bytecodeHash, owner, memoryLength, is64, offset, length, depth, head, tail, pageSiblings };
}

// "Page multiproof": the level of each page sibling, in proof order.
function siblingLevels(offset, length, height) {
  if (length === 0n) return [height];
  const levels = [];
  let lo = offset / PAGE_SIZE_N;
  let hi = (offset + length - 1n) / PAGE_SIZE_N;
  for (let l = 0; l < height; l++, lo >>= 1n, hi >>= 1n) {
    if ((lo & 1n) === 1n) levels.push(l);
    if ((hi & 1n) === 0n) levels.push(l);
  }
  return levels;
}

// "Contract multiproof": walk(0, all entries). Without leaves it counts the siblings (and checks
// the depths); with leaves and siblings it returns the root.
function multiproofWalk(entries, leaves, siblings) {
  let next = 0;
  const walk = (k, a, b) => {
    if (b - a === 1 && entries[a].depth === k) return leaves ? leaves[a] : null;
    for (let i = a; i < b; i++) {
      if (entries[i].depth === k) throw new ProofFormatError(`an entry lies at depth ${k} while another proven contract shares its first ${k} bits`);
    }
    let m = a;
    while (m < b && idBit(entries[m].id, k) === 0) m++;
    const left = m === a ? (siblings ? siblings[next++] : (next++, null)) : walk(k + 1, a, m);
    const right = m === b ? (siblings ? siblings[next++] : (next++, null)) : walk(k + 1, m, b);
    return leaves ? contractNode(left, right) : null;
  };
  const root = walk(0, 0, entries.length);
  return leaves ? root : next;
}

// ---------------------------------------------------------------------------------------------
// Verifying

/** Folds a bottom-up contract path (page and absence proofs, step 6). */
function foldPath(id, value, siblings) {
  const depth = siblings.length;
  for (let s = 0; s < depth; s++) {
    value = idBit(id, depth - 1 - s) === 0 ? contractNode(value, siblings[s]) : contractNode(siblings[s], value);
  }
  return value;
}

function parseAs(bytes, kind) {
  try {
    const proof = parseProof(bytes);
    if (proof.kind !== kind) return { verdict: 'malformed', reason: `the bytes are a ${proof.kind} proof, not a ${kind} proof` };
    return { proof };
  } catch (error) {
    if (error instanceof ProofFormatError) return { verdict: 'malformed', reason: error.message };
    throw error;
  }
}

const invalid = (proof, reason) => ({ verdict: 'invalid', reason, proof });
const valid = (proof) => ({ verdict: 'valid', reason: null, proof });

/** Verifies a page proof of `page` (4096 bytes) against `root`. */
export function verifyPage(proofBytes, root, page) {
  const parsed = parseAs(proofBytes, 'page');
  if (!parsed.proof) return parsed;
  const p = parsed.proof;
  page = toBytes(page);
  if (page.length !== PAGE_SIZE) return invalid(p, `the page is ${page.length} bytes; a page is ${PAGE_SIZE}`);
  let v = pageLeaf(page);
  for (let l = 0; l < p.pageSiblings.length; l++) {
    v = ((p.pageIndex >> BigInt(l)) & 1n) === 0n ? pageNode(v, p.pageSiblings[l]) : pageNode(p.pageSiblings[l], v);
  }
  const leaf = contractLeaf(p.id, p.bytecodeHash, H(p.owner), memoryRoot(v, p.memoryLength, p.is64));
  return equal(foldPath(p.id, leaf, p.contractSiblings), toHash(root)) ? valid(p) : invalid(p, 'the proof and page do not lead to the root');
}

/** Verifies an absence proof that `id` is absent from `root`. */
export function verifyAbsence(proofBytes, root, id) {
  const parsed = parseAs(proofBytes, 'absence');
  if (!parsed.proof) return parsed;
  const p = parsed.proof;
  if (!equal(p.id, toHash(id))) return invalid(p, `the proof is about contract ${hex(p.id)}, not ${hex(toHash(id))}`);
  const terminal = p.other ? contractLeaf(p.other.id, p.other.bytecodeHash, p.other.ownerHash, p.other.memoryRoot) : EMPTY_CONTRACTS;
  return equal(foldPath(p.id, terminal, p.siblings), toHash(root)) ? valid(p) : invalid(p, 'the proof does not lead to the root');
}

/** Verifies a range proof of `data` (every entry's range, one after another) against `root`. */
export function verifyRange(proofBytes, root, data) {
  const parsed = parseAs(proofBytes, 'range');
  if (!parsed.proof) return parsed;
  const p = parsed.proof;
  data = toBytes(data);
  const total = p.entries.reduce((sum, e) => sum + e.length, 0n);
  if (BigInt(data.length) !== total) return invalid(p, `the data is ${data.length} bytes; the proof's ranges hold ${total}`);
  const leaves = [];
  let at = 0;
  for (const e of p.entries) {
    const length = Number(e.length); // at most data.length
    const pageTreeRoot = entryPageTreeRoot(e, data.subarray(at, at + length));
    at += length;
    leaves.push(contractLeaf(e.id, e.bytecodeHash, H(e.owner), memoryRoot(pageTreeRoot, e.memoryLength, e.is64)));
  }
  const computed = multiproofWalk(p.entries, leaves, p.contractSiblings);
  return equal(computed, toHash(root)) ? valid(p) : invalid(p, 'the proof and data do not lead to the root');
}

// "Page multiproof", steps 1-4.
function entryPageTreeRoot(e, d) {
  if (e.length === 0n) return e.pageSiblings[0];
  const pages = new Uint8Array(e.head.length + d.length + e.tail.length);
  pages.set(e.head, 0);
  pages.set(d, e.head.length);
  pages.set(e.tail, e.head.length + d.length);
  let run = [];
  for (let at = 0; at < pages.length; at += PAGE_SIZE) run.push(pageLeaf(pages.subarray(at, at + PAGE_SIZE)));
  let lo = e.offset / PAGE_SIZE_N;
  let hi = (e.offset + e.length - 1n) / PAGE_SIZE_N;
  let next = 0;
  for (let l = 0; l < heightOf(e.is64); l++, lo >>= 1n, hi >>= 1n) {
    if ((lo & 1n) === 1n) run.unshift(e.pageSiblings[next++]);
    if ((hi & 1n) === 0n) run.push(e.pageSiblings[next++]);
    const parents = [];
    for (let i = 0; i < run.length; i += 2) parents.push(pageNode(run[i], run[i + 1]));
    run = parents;
  }
  return run[0];
}

/**
 * Verifies proof bytes of any kind: `claim` holds `page` (page proof), `data` (range proof) or
 * `contract` (absence proof; defaults to the id the proof names).
 */
export function verify(proofBytes, root, claim = {}) {
  proofBytes = toBytes(proofBytes);
  const kind = proofBytes.length >= 2 ? KIND_NAMES[proofBytes[1]] : undefined;
  switch (kind) {
    case 'page': return verifyPage(proofBytes, root, claim.page ?? new Uint8Array(0));
    case 'range': return verifyRange(proofBytes, root, claim.data ?? new Uint8Array(0));
    case 'absence': {
      const parsed = parseAs(proofBytes, 'absence');
      if (!parsed.proof) return parsed;
      return verifyAbsence(proofBytes, root, claim.contract ?? parsed.proof.id);
    }
    default: return parseAs(proofBytes, 'page'); // reports the version or kind problem
  }
}

// ---------------------------------------------------------------------------------------------
// Words

/** What a parsed proof states, as lines of text. */
export function describe(proof) {
  const span = (offset, length) => `0x${offset.toString(16)}..0x${(offset + length - 1n).toString(16)}`;
  const leaf = (e) => `memory ${e.memoryLength} bytes (${e.is64 ? 64 : 32}-bit), bytecode ${hex(e.bytecodeHash)}, owner ${e.owner.length ? hex(e.owner) : '(empty)'}`;
  switch (proof.kind) {
    case 'page':
      return [`page ${proof.pageIndex} (bytes ${span(proof.pageIndex * PAGE_SIZE_N, PAGE_SIZE_N)}) of contract ${hex(proof.id)}`, leaf(proof)];
    case 'absence':
      return [proof.other
        ? `contract ${hex(proof.id)} is absent (its path ends at contract ${hex(proof.other.id)}'s leaf at depth ${proof.depth})`
        : `contract ${hex(proof.id)} is absent (its path ends in an empty subtree at depth ${proof.depth})`];
    default:
      return proof.entries.flatMap((e) => [
        e.length === 0n
          ? `contract ${hex(e.id)} exists (its leaf alone, no bytes)`
          : `bytes ${span(e.offset, e.length)} (${e.length} bytes) of contract ${hex(e.id)}`,
        `  ${leaf(e)}`,
      ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function fromHex(text) {
  const clean = text.trim().replace(/^0x/i, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError(`'${text}' is not hex bytes`);
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('expected a Uint8Array');
}

function toHash(value) {
  const bytes = typeof value === 'string' ? fromHex(value) : toBytes(value);
  if (bytes.length !== 32) throw new TypeError(`a hash is 32 bytes, got ${bytes.length}`);
  return bytes;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compare(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function ceilDiv(a, b) {
  return a / b + (a % b === 0n ? 0n : 1n);
}
