// Reads the constants and test vectors of docs/PROOFS.md (see its "Test vectors" section for the notation).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../proofs.js';

export const specPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'PROOFS.md');

/** Bytes in the vectors' notation: hex tokens and HH*N runs, separated by whitespace. */
export function compactBytes(text) {
  const parts = [];
  for (const token of text.split(/\s+/).filter(Boolean)) {
    const star = token.indexOf('*');
    if (star < 0) parts.push(fromHex(token));
    else parts.push(new Uint8Array(Number(token.slice(star + 1))).fill(parseInt(token.slice(0, star), 16)));
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { bytes.set(part, at); at += part.length; }
  return bytes;
}

/** The fields of every fenced block of the given info string (```vector, ```constants). */
export function blocks(info, markdown = readFileSync(specPath, 'utf8')) {
  const lines = markdown.split(/\r?\n/);
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```' + info) continue;
    const fields = {};
    let key = null;
    for (i++; lines[i] !== '```'; i++) {
      if (lines[i].startsWith('  ') && key !== null) {
        fields[key] = fields[key] ? `${fields[key]}\n${lines[i].trim()}` : lines[i].trim();
        continue;
      }
      const colon = lines[i].indexOf(':');
      key = lines[i].slice(0, colon);
      fields[key] = lines[i].slice(colon + 1).trim();
    }
    found.push(fields);
  }
  return found;
}
