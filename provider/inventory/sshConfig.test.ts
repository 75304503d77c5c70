import { parse } from 'ssh-config';
import { applySshConfig, type SshConfigFile } from './sshConfig';

const file = (text: string): SshConfigFile => ({ path: '/home/me/.ssh/config', config: parse(text) });
const tokens = { home: '/home/me', localUser: 'me' };

const CONFIG = file(`
Host kvm-*
  HostName %h.lab.example.net
  User admin
  Port 2222
  IdentityFile ~/.ssh/kvm_%r
  ProxyJump bastion

Host bastion
  HostName 192.0.2.10
  User jump
  IdentityFile ~/.ssh/bastion

Host direct
  HostName 198.51.100.7
  ProxyJump none
  ConnectTimeout 7
  UserKnownHostsFile ~/.ssh/lab_known_hosts %d/other

Host two-hops
  ProxyJump a,b

Host *
  User fallback
`);

describe('ssh config', () => {
  it('HostName, User, Port, IdentityFile with tokens, and a ProxyJump resolved through the config', () => {
    const problems: string[] = [];
    expect(applySshConfig({ host: 'kvm-01' }, CONFIG, 'hosts.0', problems, tokens)).toEqual({
      name: 'kvm-01',
      host: 'kvm-01.lab.example.net',
      user: 'admin',
      port: 2222,
      privateKeyPath: '/home/me/.ssh/kvm_admin',
      proxy: { name: 'bastion', host: '192.0.2.10', user: 'jump', privateKeyPath: '/home/me/.ssh/bastion' },
    });
    expect(problems).toEqual([]);
  });

  it('what the entry sets wins, as ssh keeps the first value it obtains', () => {
    const entry = { host: 'kvm-02', name: 'mine', port: 22, user: 'root', privateKey: 'KEY TEXT', knownHostsPath: '/k' };
    const out = applySshConfig(entry, CONFIG, 'hosts.0', [], tokens);
    expect(out).toEqual(expect.objectContaining({ name: 'mine', host: 'kvm-02.lab.example.net', port: 22, user: 'root', privateKey: 'KEY TEXT' }));
    expect(out.privateKeyPath).toBeUndefined();
    // The jump host has its own key; the target's known_hosts is used for it too.
    expect(out.proxy).toEqual({ name: 'bastion', host: '192.0.2.10', user: 'jump', privateKeyPath: '/home/me/.ssh/bastion', knownHostsPath: '/k' });
  });

  it('ProxyJump none, ConnectTimeout, the first UserKnownHostsFile', () => {
    expect(applySshConfig({ host: 'direct' }, CONFIG, 'hosts.0', [], tokens)).toEqual({
      name: 'direct',
      host: '198.51.100.7',
      user: 'fallback',
      perDialTimeout: 7,
      knownHostsPath: '/home/me/.ssh/lab_known_hosts',
    });
  });

  it('a host no section names keeps its name, and gets only the defaults', () => {
    expect(applySshConfig({ host: '203.0.113.5' }, CONFIG, 'hosts.0', [], tokens)).toEqual({ host: '203.0.113.5', user: 'fallback' });
  });

  it('more than one jump host, and bad numbers, are problems', () => {
    const problems: string[] = [];
    applySshConfig({ host: 'two-hops' }, CONFIG, 'hosts.3', problems, tokens);
    applySshConfig({ host: 'x' }, file('Host x\n  Port ssh\n  ConnectTimeout soon\n'), 'hosts.4', problems, tokens);
    expect(problems).toEqual([
      'hosts.3: ProxyJump a,b: more than one jump host; qemu-cpu connects through one',
      'hosts.4: Port "ssh" in /home/me/.ssh/config is not a port number',
      'hosts.4: ConnectTimeout "soon" in /home/me/.ssh/config is not a number of seconds',
    ]);
  });

  it('no config: the entry as it is', () => {
    expect(applySshConfig({ host: 'kvm-01' }, undefined, 'hosts.0', [], tokens)).toEqual({ host: 'kvm-01' });
  });
});
