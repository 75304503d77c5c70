import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { scratchDir } from '../../harness/paths';
import { ConfigError } from '../errors';
import { resolveSelectionInputs } from './resolveSelection';

describe('resolveSelectionInputs', () => {
  let dir: string;
  let home: string;
  beforeAll(() => {
    fs.mkdirSync(scratchDir, { recursive: true });
    dir = fs.mkdtempSync(path.join(scratchDir, 'resolve-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host kvm-*\n  HostName 10.0.0.7\n  Port 2222\n  User cfg\n  UserKnownHostsFile ~/.ssh/lab_hosts\nInclude ~/.ssh/more\n');
    fs.writeFileSync(
      path.join(dir, 'hosts.yml'),
      stringify({ all: { children: { kvm: { hosts: { 'kvm-a': null, 'kvm-b': { ansible_port: 2200, ansible_user: 'inv' } } } } } }),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const resolve = (input: Record<string, unknown>, warnings: string[] = []) =>
    resolveSelectionInputs({ model: 'pentium3', ...input }, { baseDir: dir, homeDir: home, onWarning: (m) => warnings.push(m) });

  it('inventory hosts and listed hosts; host variables, then defaults, then ~/.ssh/config', async () => {
    const warnings: string[] = [];
    const inputs = await resolve(
      { inventory: { ansible: 'hosts.yml', group: 'kvm', hostDefaults: { user: 'dflt', qemuBinary: '/opt/qemu/bin/qemu-system-x86_64' } }, hosts: [{ host: 'plain.example.net', port: 2022 }] },
      warnings,
    );
    expect(inputs.hosts.map((h) => ({ name: h.name, host: h.host, port: h.port, user: h.user, knownHostsPath: h.knownHostsPath, qemuBinary: h.qemuBinary }))).toEqual([
      { name: undefined, host: 'plain.example.net', port: 2022, user: undefined, knownHostsPath: undefined, qemuBinary: undefined },
      { name: 'kvm-a', host: '10.0.0.7', port: 2222, user: 'dflt', knownHostsPath: path.join(home, '.ssh/lab_hosts'), qemuBinary: '/opt/qemu/bin/qemu-system-x86_64' },
      { name: 'kvm-b', host: '10.0.0.7', port: 2200, user: 'inv', knownHostsPath: path.join(home, '.ssh/lab_hosts'), qemuBinary: '/opt/qemu/bin/qemu-system-x86_64' },
    ]);
    expect(inputs).not.toHaveProperty('inventory');
    expect(inputs).not.toHaveProperty('sshConfig');
    // No machine type: each host's architecture default (q35, virt), resolved when it is asked.
    expect(inputs.machineType).toBeUndefined();
    expect(warnings).toEqual([`ssh config ${path.join(home, '.ssh/config')}: Include is not followed; hosts set up only in included files are not seen`]);
  });

  it("sshConfig 'none' reads no config; relative key and known_hosts paths are relative to the file, ~ is home", async () => {
    const inputs = await resolve({ sshConfig: 'none', hosts: [{ host: 'kvm-a', privateKeyPath: 'keys/id', knownHostsPath: '~/kh', proxy: { host: 'j', privateKeyPath: '/abs/key' } }] });
    expect(inputs.hosts[0]).toEqual(expect.objectContaining({ host: 'kvm-a', port: 22, privateKeyPath: path.join(dir, 'keys/id'), knownHostsPath: path.join(home, 'kh') }));
    expect(inputs.hosts[0].proxy).toEqual(expect.objectContaining({ host: 'j', privateKeyPath: '/abs/key' }));
    expect(inputs.hosts[0].name).toBeUndefined();
  });

  it('every problem at once: schema, inventory, ssh config, duplicate names, no hosts', async () => {
    fs.writeFileSync(path.join(dir, 'bad_ssh'), 'Host kvm-x\n  Port ssh\n');
    const err = await resolve({ sshConfig: 'bad_ssh', inventory: { ansible: 'hosts.yml', group: 'kvm' }, hosts: [{ host: 'kvm-x', name: 'kvm-a' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual(['hosts.0: Port "ssh" in ' + path.join(dir, 'bad_ssh') + ' is not a port number', 'hosts: 2 hosts are named kvm-a; give each a distinct name']);
    const empty = await resolve({ sshConfig: 'none' }).catch((e) => e);
    expect(empty.issues).toEqual(['hosts: name at least one host, or an inventory that has some']);
    const invalid = await resolve({ hosts: [{ host: 'a b' }], inventory: { ansible: '' }, sshConfig: 3 }).catch((e) => e);
    expect(invalid.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^hosts\.0\.host: /), expect.stringMatching(/^inventory\.ansible: /), expect.stringMatching(/^sshConfig: /)]));
  });

  it('files that cannot be read are named', async () => {
    await expect(resolve({ inventory: { ansible: 'nope.yml' } })).rejects.toThrow(/cannot read Ansible inventory .*nope\.yml \(config\): ENOENT/);
    await expect(resolve({ sshConfig: 'nope_config', hosts: [{ host: 'a' }] })).rejects.toThrow(/cannot read ssh config .*nope_config \(config\): ENOENT/);
    fs.writeFileSync(path.join(dir, 'broken.yml'), 'all:\n  hosts: [\n');
    await expect(resolve({ inventory: { ansible: 'broken.yml' } })).rejects.toThrow(/Ansible inventory .*broken\.yml is not valid YAML/);
  });
});
