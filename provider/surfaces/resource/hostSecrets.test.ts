import { HostEntrySchema } from '../../probe';
import { HostCredentialsSchema, mergeHostSecrets, PublicHostEntrySchema, sealHostSecrets, splitHostSecrets } from './hostSecrets';

const entry = HostEntrySchema.parse({
  name: 'kvm-a',
  host: 'kvm-a.example.net',
  user: 'admin',
  password: 'pw-0123456789',
  privateKey: 'KEY',
  qemuBinary: '/usr/bin/qemu-system-x86_64',
  proxy: { host: 'jump.example.net', privateKeyPassword: 'pp-0123456789' },
});

describe('host secrets', () => {
  it('split a host entry into what may be shown and its secrets, jump host included, and join them back', () => {
    const { host, credentials } = splitHostSecrets(entry);
    expect(JSON.stringify(host)).not.toMatch(/pw-|KEY|pp-/);
    expect(PublicHostEntrySchema.parse(host)).toEqual(host);
    expect(HostCredentialsSchema.parse(credentials)).toEqual({ password: 'pw-0123456789', privateKey: 'KEY', proxy: { privateKeyPassword: 'pp-0123456789' } });
    expect(mergeHostSecrets(host, credentials)).toEqual(entry);
  });

  it('a host without secrets has empty credentials', () => {
    const { credentials } = splitHostSecrets(HostEntrySchema.parse({ host: 'h' }));
    expect(credentials).toEqual({});
  });

  it('seal marks exactly the secret fields', () => {
    const sealed = sealHostSecrets(entry, (v) => ({ secret: v }));
    expect(sealed.password).toEqual({ secret: 'pw-0123456789' });
    expect(sealed.privateKey).toEqual({ secret: 'KEY' });
    expect(sealed.proxy?.privateKeyPassword).toEqual({ secret: 'pp-0123456789' });
    expect(sealed.user).toBe('admin');
    expect(sealed.proxy?.host).toBe('jump.example.net');
  });
});
