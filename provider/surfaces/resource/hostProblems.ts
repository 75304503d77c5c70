import type { SelectionInputs } from '../../inventory';
import { failureOn, type SelectionFailure } from './failureReasons';
import { touchesUnknown, type PropertyPath } from './unknownValues';

/**
 * What keeps these inputs from naming the hosts to ask. Hosts named through
 * an inventory or an ssh config are resolved by provider/inventory, which
 * this resource does not call yet: it refuses them rather than ignore them.
 * Hosts not known yet (during a preview) are not judged.
 */
export function hostProblems(inputs: SelectionInputs, unknowns: readonly PropertyPath[] = []): SelectionFailure[] {
  const problems: SelectionFailure[] = [];
  if (inputs.inventory !== undefined) {
    problems.push(failureOn('inventory', 'inventory: CpuModelSelection does not read inventories yet; list the hosts in hosts'));
  }
  if (inputs.sshConfig !== undefined) {
    problems.push(failureOn('sshConfig', 'sshConfig: CpuModelSelection does not read ssh configs yet; give each host its connection fields'));
  }
  if (inputs.hosts.length === 0 && inputs.inventory === undefined && !touchesUnknown(['hosts'], unknowns)) {
    problems.push(failureOn('hosts', 'hosts: name at least one host'));
  }
  return problems;
}
