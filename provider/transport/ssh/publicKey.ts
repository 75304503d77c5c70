import { createHash } from 'node:crypto';

/** An SSH public key in wire format, with the algorithm name it declares. */
export interface PublicKey {
  /** The key type, e.g. "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256". */
  readonly type: string;
  /** The key blob exactly as sent in the key exchange and stored base64 in known_hosts. */
  readonly blob: Buffer;
}

/**
 * The fingerprint OpenSSH prints: "SHA256:" and the unpadded base64 of the
 * SHA-256 of the key blob.
 */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a wire-format key blob declares (its first SSH string), or undefined if malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  const type = blob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Wrap a raw key blob, reading its type from the blob itself. */
export function publicKeyFromBlob(blob: Buffer): PublicKey {
  return { type: keyTypeOfBlob(blob) ?? 'unknown', blob };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Read the "type base64" pair of an OpenSSH public key or known_hosts line.
 * The blob must declare the same type as the text; anything else is rejected.
 */
export function parseKeyFields(type: string | undefined, data: string | undefined): PublicKey | undefined {
  if (!type || !data || !BASE64.test(data)) return undefined;
  const blob = Buffer.from(data, 'base64');
  if (keyTypeOfBlob(blob) !== type) return undefined;
  return { type, blob };
}

/**
 * Parse an OpenSSH public key line ("ssh-ed25519 AAAA... comment"). A
 * known_hosts / ssh-keyscan line ("host ssh-ed25519 AAAA...") is accepted too,
 * its host field ignored.
 */
export function parsePublicKeyLine(line: string): PublicKey | undefined {
  const fields = line.trim().split(/\s+/);
  return parseKeyFields(fields[0], fields[1]) ?? parseKeyFields(fields[1], fields[2]);
}

/** Normalise a "SHA256:..." fingerprint (padding dropped), or undefined if it is not one. */
export function parseSha256Fingerprint(text: string): string | undefined {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  return match ? `SHA256:${match[1]}` : undefined;
}

/** Two keys are the same key when their blobs are byte-identical. */
export function sameKey(a: PublicKey, b: PublicKey): boolean {
  return a.blob.equals(b.blob);
}
