import { ConfigError } from '../errors';

/** An INI group header (`[kvm]`, `[kvm:children]`, `[kvm:vars]`) alone on a line: a YAML inventory never has one. */
const GROUP_HEADER = /^\[[^\]\s,]+\]\s*(?:[#;].*)?$/;
/** An INI host line: a host name, then a `var=value` (`kvm01 ansible_host=10.0.0.1`). */
const HOST_LINE = /^[^\s:#[{'"-][^\s:]*\s+[A-Za-z_]\w*=/;

/**
 * The error for an Ansible inventory in the INI format, which qemu-cpu does
 * not read, or undefined when the text does not look like one. Ansible
 * converts it: `ansible-inventory -i FILE --list -y` prints the YAML form.
 *
 * @param source - "Ansible inventory PATH", for the message.
 * @param file - the inventory's path, for the conversion command.
 */
export function iniInventoryError(text: string, source: string, file: string): ConfigError | undefined {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((line) => GROUP_HEADER.test(line) || HOST_LINE.test(line));
  if (at < 0) return undefined;
  const why = `line ${at + 1} (${JSON.stringify(lines[at].slice(0, 60))}) is INI; qemu-cpu reads only the YAML inventory format`;
  return new ConfigError({
    what: `${source} is an INI inventory, which is not supported`,
    why,
    hint: `Convert it with ansible-inventory -i ${file} --list -y > inventory.yml, and name the YAML file in inventory.ansible.`,
    issues: [`${source}: ${why}`],
  });
}
