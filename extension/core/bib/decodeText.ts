/**
 * Bytes → text for bibliography files, reporting which encoding was used.
 *
 * Order of checks: BOMs (UTF-8, UTF-16 LE/BE), BOM-less UTF-16 (many NUL bytes on one parity), strict UTF-8,
 * then the legacy single-byte fallback. Files that are not valid UTF-8 are decoded as windows-1252 when they use
 * its 0x80–0x9F printable range (curly quotes, dashes from Word/EndNote exports), else as ISO-8859-1: both map
 * every byte to exactly one character, so nothing is mangled or dropped.
 */

import { Buffer, isUtf8 } from 'node:buffer';

export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'latin-1' | 'windows-1252';

// buffer.isUtf8 (simdutf) + Buffer#toString is ~10x faster than a fatal TextDecoder on a 14 MB file.
function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncodingName } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: decodeUtf8Lenient(bytes.subarray(3)), encoding: 'utf-8-bom' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decodeUtf16(bytes.subarray(2), true), encoding: 'utf-16le' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decodeUtf16(bytes.subarray(2), false), encoding: 'utf-16be' };
  }
  const bomless16 = guessBomlessUtf16(bytes);
  if (bomless16) return { text: decodeUtf16(bytes, bomless16 === 'utf-16le'), encoding: bomless16 };
  const utf8 = utf8OrUndefined(bytes);
  return utf8 !== undefined ? { text: utf8, encoding: 'utf-8' } : decodeSingleByte(bytes);
}

function decodeUtf8Lenient(bytes: Uint8Array): string {
  // A BOM promised UTF-8; if the body is broken, keep what decodes and mark the rest with U+FFFD.
  return utf8OrUndefined(bytes) ?? new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const n = bytes.length - (bytes.length % 2);
  const units = new Uint16Array(n / 2);
  for (let i = 0, j = 0; i < n; i += 2, j++) {
    units[j] = littleEndian ? bytes[i] | (bytes[i + 1] << 8) : (bytes[i] << 8) | bytes[i + 1];
  }
  // Chunked to stay below the argument-count limit of String.fromCharCode.
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
  return out;
}

/** UTF-16 without a BOM: ASCII-heavy text has a NUL in every other byte. */
function guessBomlessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = Math.min(bytes.length - (bytes.length % 2), 4096);
  if (sample < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = sample / 2;
  if (oddNul > pairs * 0.4 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.4 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** windows-1252 code points for bytes 0x80–0x9F (undefined slots stay as the C1 control, like ISO-8859-1). */
const CP1252_HIGH: readonly number[] = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

function decodeSingleByte(bytes: Uint8Array): { text: string; encoding: 'latin-1' | 'windows-1252' } {
  let usesCp1252Range = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0x9f && CP1252_HIGH[b - 0x80] !== b) {
      usesCp1252Range = true;
      break;
    }
  }
  const codes = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    codes[i] = usesCp1252Range && b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] : b;
  }
  let text = '';
  for (let i = 0; i < codes.length; i += 8192) text += String.fromCharCode(...codes.subarray(i, i + 8192));
  return { text, encoding: usesCp1252Range ? 'windows-1252' : 'latin-1' };
}
