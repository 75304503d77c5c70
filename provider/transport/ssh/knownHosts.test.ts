import { checkKnownHosts, entryMatchesHost, hashKnownHostsName, knownHostsName, knownKeyTypes, parseKnownHosts } from './knownHosts';
import { parsePublicKeyLine } from './publicKey';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIILRrDU71HSmDN1w8w7aAIH9q3EGvzePdk43Yyn8zyOX';
const EC =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHQi4SEDbp3tk0suy42B2vu0oaQs2MC2xTvEGZ8MTWl71iVqd+1iBOCOE6N+FMJzO0KwxR2wpOAQtGgPJasXcUU=';
const edKey = parsePublicKeyLine(ED)!;
const ecKey = parsePublicKeyLine(EC)!;
// An ed25519 key that is not ED, for "changed" (same type, other key): ED with one key byte flipped.
const otherEd = { type: 'ssh-ed25519', blob: Buffer.from(edKey.blob.map((b, i) => (i === edKey.blob.length - 1 ? b ^ 1 : b))) };

// `ssh-keygen -H` output for "[10.0.0.5]:2222 <ED>".
const HASHED = '|1|SUWPeS35RT8gG9HzfjfBrua0jAY=|zhblYck/Y1OFmH5WXbwDfDTI8pw=';

describe('knownHostsName', () => {
  it('is the bare lower-cased host on port 22 and [host]:port elsewhere', () => {
    expect(knownHostsName('KVM1.example.com', 22)).toBe('kvm1.example.com');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(knownHostsName('::1', 2222)).toBe('[::1]:2222');
  });
});

describe('parseKnownHosts', () => {
  it('skips comments, blank, malformed lines and unknown markers, and numbers lines', () => {
    const entries = parseKnownHosts(
      ['# comment', '', `kvm1 ${ED}`, 'kvm2 ssh-ed25519', 'kvm3 ssh-ed25519 !!!', `@future kvm4 ${ED}`, `  kvm5 ${EC} a comment`].join('\n'),
      'kh',
    );
    expect(entries.map((e) => [e.line, e.key.type])).toEqual([
      [3, 'ssh-ed25519'],
      [7, 'ecdsa-sha2-nistp256'],
    ]);
    expect(entries[0].source).toBe('kh');
  });

  it('reads markers', () => {
    const [revoked, ca] = parseKnownHosts(`@revoked * ${ED}\n@cert-authority *.example.com ${EC}`);
    expect(revoked.marker).toBe('revoked');
    expect(ca.marker).toBe('cert-authority');
  });
});

describe('entryMatchesHost', () => {
  const one = (text: string) => parseKnownHosts(text)[0];

  it('matches comma lists, case-insensitively', () => {
    const entry = one(`kvm1,KVM2.Example.com,10.0.0.1 ${ED}`);
    expect(entryMatchesHost(entry, 'kvm2.example.com')).toBe(true);
    expect(entryMatchesHost(entry, '10.0.0.1')).toBe(true);
    expect(entryMatchesHost(entry, 'kvm3')).toBe(false);
  });

  it('keeps ports apart: [host]:port entries only match that port', () => {
    const entry = one(`[10.0.0.5]:2222 ${ED}`);
    expect(entryMatchesHost(entry, knownHostsName('10.0.0.5', 2222))).toBe(true);
    expect(entryMatchesHost(entry, knownHostsName('10.0.0.5', 22))).toBe(false);
    expect(entryMatchesHost(one(`10.0.0.5 ${ED}`), knownHostsName('10.0.0.5', 2222))).toBe(false);
  });

  it('supports * and ? wildcards and ! negation', () => {
    const entry = one(`*.lab.example.com,!bad.lab.example.com,kvm? ${ED}`);
    expect(entryMatchesHost(entry, 'a.lab.example.com')).toBe(true);
    expect(entryMatchesHost(entry, 'bad.lab.example.com')).toBe(false);
    expect(entryMatchesHost(entry, 'kvm7')).toBe(true);
    expect(entryMatchesHost(entry, 'kvm77')).toBe(false);
    expect(entryMatchesHost(entry, 'axlab.example.com')).toBe(false);
  });

  it('matches a hashed entry written by ssh-keygen -H, and only its host', () => {
    const entry = one(`${HASHED} ${ED}`);
    expect(entry.hosts.kind).toBe('hashed');
    expect(entryMatchesHost(entry, '[10.0.0.5]:2222')).toBe(true);
    expect(entryMatchesHost(entry, '[10.0.0.5]:2223')).toBe(false);
    expect(entryMatchesHost(entry, '10.0.0.5')).toBe(false);
  });

  it('hashes the way ssh-keygen -H does', () => {
    const salt = Buffer.from('SUWPeS35RT8gG9HzfjfBrua0jAY=', 'base64');
    expect(hashKnownHostsName('[10.0.0.5]:2222', salt)).toBe(HASHED);
  });

  it('rejects malformed hashed fields', () => {
    expect(parseKnownHosts(`|1|abc|def ${ED}`)).toEqual([]);
    expect(parseKnownHosts(`|2|${HASHED.slice(3)} ${ED}`)).toEqual([]);
  });
});

describe('checkKnownHosts', () => {
  const name = 'kvm1';

  it('trusts an exact match', () => {
    const verdict = checkKnownHosts(parseKnownHosts(`other ${EC}\nkvm1 ${ED}`), name, edKey);
    expect(verdict).toMatchObject({ kind: 'trusted', entry: { line: 2 } });
  });

  it('reports a different key of the same type as changed', () => {
    const verdict = checkKnownHosts(parseKnownHosts(`kvm1 ${ED}`), name, otherEd);
    expect(verdict.kind).toBe('changed');
  });

  it('reports unknown when only other types are known, naming them', () => {
    const verdict = checkKnownHosts(parseKnownHosts(`kvm1 ${EC}`), name, edKey);
    expect(verdict).toEqual({ kind: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'], certAuthorities: [] });
    expect(checkKnownHosts([], name, edKey)).toEqual({ kind: 'unknown', otherTypes: [], certAuthorities: [] });
  });

  it('lets @revoked win over a trusting line', () => {
    const verdict = checkKnownHosts(parseKnownHosts(`kvm1 ${ED}\n@revoked * ${ED}`), name, edKey);
    expect(verdict).toMatchObject({ kind: 'revoked', entry: { line: 2 } });
  });

  it('skips @cert-authority lines: they neither trust nor make a key "changed", and the unknown verdict lists those for the host', () => {
    expect(checkKnownHosts(parseKnownHosts(`@cert-authority kvm1 ${ED}`), name, edKey)).toMatchObject({ kind: 'unknown', certAuthorities: [{ line: 1 }] });
    expect(checkKnownHosts(parseKnownHosts(`@cert-authority kvm1 ${ED}`), name, otherEd).kind).toBe('unknown');
    expect(checkKnownHosts(parseKnownHosts(`@cert-authority other ${ED}`), name, edKey)).toMatchObject({ kind: 'unknown', certAuthorities: [] });
  });

  it('lists known key types for algorithm preference, without markers', () => {
    const entries = parseKnownHosts(`kvm1 ${EC}\n@revoked kvm1 ${ED}\nkvm1,kvm2 ${EC}`);
    expect(knownKeyTypes(entries, name)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('keeps the key in the verdict comparable', () => {
    expect(checkKnownHosts(parseKnownHosts(`kvm1 ${EC}`), name, ecKey).kind).toBe('trusted');
  });
});
