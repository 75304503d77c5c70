import { parseYamlText } from './yamlFile';
import { ansibleHosts, expandHostPattern } from './ansibleInventory';

const INVENTORY = `
all:
  vars:
    ansible_user: ops
    ansible_port: 22
  hosts:
    bastion.example.net:
  children:
    kvm:
      vars:
        ansible_ssh_private_key_file: ~/.ssh/kvm_ed25519
      children:
        kvm_amd:
          vars:
            ansible_port: "2222"
          hosts:
            epyc-[01:02].example.net:
              qemu_cpu_binary: /usr/libexec/qemu-kvm
        kvm_intel:
          hosts:
            xeon-a:
              ansible_host: 10.0.0.21
              ansible_user: admin
legacy:
  hosts:
    old-box:
      ansible_ssh_host: 10.0.0.99
      ansible_ssh_port: 2200
`;

describe('Ansible YAML inventory', () => {
  const doc = parseYamlText(INVENTORY, 'inventory.yml');

  it('a group with its children; variables from all, then parents, then children, then the host', () => {
    const { hosts, problems } = ansibleHosts(doc, 'kvm', 'inventory.yml');
    expect(problems).toEqual([]);
    expect(hosts.map((h) => h.entry)).toEqual([
      { name: 'epyc-01.example.net', host: 'epyc-01.example.net', port: 2222, user: 'ops', privateKeyPath: '~/.ssh/kvm_ed25519', qemuBinary: '/usr/libexec/qemu-kvm' },
      { name: 'epyc-02.example.net', host: 'epyc-02.example.net', port: 2222, user: 'ops', privateKeyPath: '~/.ssh/kvm_ed25519', qemuBinary: '/usr/libexec/qemu-kvm' },
      { name: 'xeon-a', host: '10.0.0.21', port: 22, user: 'admin', privateKeyPath: '~/.ssh/kvm_ed25519' },
    ]);
  });

  it('all holds every host, top-level groups included; legacy ansible_ssh_* names are read', () => {
    const { hosts } = ansibleHosts(doc, 'all', 'inventory.yml');
    expect(hosts.map((h) => h.inventoryName)).toEqual(['bastion.example.net', 'epyc-01.example.net', 'epyc-02.example.net', 'xeon-a', 'old-box']);
    expect(hosts.find((h) => h.inventoryName === 'old-box')!.entry).toEqual({ name: 'old-box', host: '10.0.0.99', port: 2200, user: 'ops' });
  });

  it('reports every problem at once', () => {
    const bad = parseYamlText(
      `all:\n  hosts:\n    a:\n      ansible_host: "{{ lookup('env', 'X') }}"\n    b:\n      ansible_connection: local\n  children:\n    g: [1, 2]\n  extra: 1\n`,
      'bad.yml',
    );
    const { hosts, problems } = ansibleHosts(bad, 'all', 'bad.yml');
    expect(hosts).toEqual([]);
    expect(problems).toEqual([
      'all.extra: not hosts, vars or children',
      'all.children.g: a group must be a mapping of hosts, vars and children',
      'bad.yml: host a: ansible_host is a Jinja template; qemu-cpu does not evaluate templates, write the value',
      'bad.yml: host b: ansible_connection "local" is not ssh; qemu-cpu reaches hosts over SSH only',
    ]);
    expect(ansibleHosts(doc, 'nope', 'inventory.yml').problems).toEqual(['inventory.yml: no group "nope"']);
    expect(ansibleHosts(null, 'all', 'empty.yml').problems).toEqual(['empty.yml: the inventory is empty']);
  });

  it('host ranges as Ansible expands them', () => {
    expect(expandHostPattern('kvm[08:10].lab')).toEqual(['kvm08.lab', 'kvm09.lab', 'kvm10.lab']);
    expect(expandHostPattern('n[a:c]')).toEqual(['na', 'nb', 'nc']);
    expect(expandHostPattern('r[0:10:5]')).toEqual(['r0', 'r5', 'r10']);
    expect(expandHostPattern('plain.example.net')).toEqual(['plain.example.net']);
  });
});
