import { keyTypeOfBlob, parsePublicKeyLine, parseSha256Fingerprint, sha256Fingerprint } from './publicKey';

// Made with ssh-keygen; the fingerprints are what `ssh-keygen -lf` printed.
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIILRrDU71HSmDN1w8w7aAIH9q3EGvzePdk43Yyn8zyOX';
const ED25519_FP = 'SHA256:cCwVSLp5pqpVqRV/KhOz83OlsvplTbgyFK8BfxU54lM';
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHQi4SEDbp3tk0suy42B2vu0oaQs2MC2xTvEGZ8MTWl71iVqd+1iBOCOE6N+FMJzO0KwxR2wpOAQtGgPJasXcUU=';
const ECDSA_FP = 'SHA256:QXO+kxlwQg+vf+aSLyk4/9f691B82RZZAHLnmMhWb/o';

describe('sha256Fingerprint', () => {
  it('matches ssh-keygen -l: unpadded base64 of the SHA-256 of the blob', () => {
    expect(sha256Fingerprint(parsePublicKeyLine(ED25519)!.blob)).toBe(ED25519_FP);
    expect(sha256Fingerprint(parsePublicKeyLine(ECDSA)!.blob)).toBe(ECDSA_FP);
    expect(ED25519_FP).not.toMatch(/=$/);
  });
});

describe('parsePublicKeyLine', () => {
  it('reads a key line with or without a comment', () => {
    expect(parsePublicKeyLine(ED25519)!.type).toBe('ssh-ed25519');
    expect(parsePublicKeyLine(`${ECDSA} root@host\n`)!.type).toBe('ecdsa-sha2-nistp256');
  });

  it('reads an ssh-keyscan / known_hosts line, ignoring its host field', () => {
    expect(sha256Fingerprint(parsePublicKeyLine(`[10.0.0.5]:2222 ${ED25519}`)!.blob)).toBe(ED25519_FP);
  });

  it('rejects a blob that declares another type than the text, and non-keys', () => {
    expect(parsePublicKeyLine(`ssh-rsa ${ED25519.split(' ')[1]}`)).toBeUndefined();
    expect(parsePublicKeyLine('ssh-ed25519 not*base64')).toBeUndefined();
    expect(parsePublicKeyLine(ED25519_FP)).toBeUndefined();
    expect(parsePublicKeyLine('')).toBeUndefined();
  });
});

describe('parseSha256Fingerprint', () => {
  it('accepts the printed form and a padded one', () => {
    expect(parseSha256Fingerprint(ED25519_FP)).toBe(ED25519_FP);
    expect(parseSha256Fingerprint(`${ED25519_FP}=`)).toBe(ED25519_FP);
  });

  it('rejects MD5 and truncated fingerprints', () => {
    expect(parseSha256Fingerprint('MD5:4f:5c:ab')).toBeUndefined();
    expect(parseSha256Fingerprint(ED25519_FP.slice(0, 20))).toBeUndefined();
  });
});

describe('keyTypeOfBlob', () => {
  it('reads the leading SSH string and refuses malformed blobs', () => {
    expect(keyTypeOfBlob(parsePublicKeyLine(ECDSA)!.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 0x61]))).toBeUndefined();
  });
});
