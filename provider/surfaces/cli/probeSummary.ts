import { archProfile, hostCpuSignature, groupByLayer, LAYER_MEANING, levelLabel, x86LevelOf, type HostCapabilities } from '../../model';

/** A person's view of a capability report: usable models, blockers of the rest, and the gap between CPU and guest. */
export function renderProbeSummary(caps: HostCapabilities): string {
  const out: string[] = [];
  const cpu = caps.hostCpu;
  out.push(`Host ${caps.host}: QEMU ${caps.qemu.version} (${caps.qemu.package}) at ${caps.qemu.binary}, ${caps.arch}, accelerator ${caps.accelerator}`);
  const kernel = caps.kernelRelease ? `, kernel ${caps.kernelRelease}` : '';
  if (cpu?.arch === 'x86_64') {
    out.push(
      `  CPU: ${cpu.modelName} (${cpu.vendor} family ${cpu.family} model ${cpu.model} stepping ${cpu.stepping}` +
        `${cpu.microcode ? `, microcode ${cpu.microcode}` : ''})${kernel}`,
    );
  } else if (cpu) {
    out.push(`  CPU: arm64 ${hostCpuSignature(cpu)} (implementer, part, variant and revision from /proc/cpuinfo)${kernel}`);
  }
  if (cpu && cpu.arch !== caps.arch) out.push(`  Guest architecture ${caps.arch} on a ${cpu.arch} host: QEMU emulates it (TCG); the host CPU's features say nothing about the guest's.`);
  out.push(`  Machine type probed: ${caps.machineType}`);
  if (archProfile(caps.arch).hasLevels) {
    const level = x86LevelOf(caps.hostModel.features);
    const next = level.nextLevel ? `; ${level.nextLevel} would need ${level.missingForNext.join(', ')}` : '';
    out.push(`  Host model (-cpu ${caps.hostModel.name}): ${caps.hostModel.features.length} features, ${levelLabel(level.level)}${next}`);
  } else {
    out.push(`  Host model (-cpu ${caps.hostModel.name}): ${caps.hostModel.features.join(', ') || 'no switchable features'}`);
  }
  out.push('');

  // An alias has its target's verdict under this machine type; list it on the target's line.
  const aliasesOf = new Map<string, string[]>();
  for (const m of caps.models) if (m.aliasOf) aliasesOf.set(m.aliasOf, [...(aliasesOf.get(m.aliasOf) ?? []), m.name]);
  const shown = caps.models.filter((m) => !(m.aliasOf && caps.models.some((t) => t.name === m.aliasOf)));
  const label = (name: string) => {
    const aliases = aliasesOf.get(name);
    return aliases ? `${name} (alias ${aliases.join(', ')})` : name;
  };
  const usable = shown.filter((m) => m.usable);
  const failsToStart = shown.filter((m) => m.vcpuStart?.starts === false);
  const blocked = shown.filter((m) => m.usable === false && m.vcpuStart?.starts !== false);
  const unreported = shown.filter((m) => m.usable === null);
  out.push(`Usable CPU models (${caps.models.filter((m) => m.usable).length} of ${caps.models.length} names, aliases included):`);
  out.push(...wrap(usable.map((m) => label(m.name)), '  '));
  out.push('');
  if (failsToStart.length > 0) {
    out.push(`Listed usable by QEMU, but a VM with them does not start here (paused VMs, machine type ${failsToStart[0].vcpuStart?.machineType}):`);
    for (const m of failsToStart) out.push(`  ${label(m.name)}${ranAs(m)}: ${m.vcpuStart?.qemuStderr ?? ''}`);
    out.push('');
  }
  if (unreported.length > 0) {
    out.push(`Not reported by QEMU (${unreported.length} models): ${caps.usabilityNote ?? 'QEMU lists no unavailable features on this architecture'}:`);
    out.push(...wrap(unreported.map((m) => label(m.name)), '  '));
    out.push('');
  }
  if (blocked.length > 0 || unreported.length === 0) {
    out.push(`Not usable, with what this host cannot give each:`);
    for (const m of blocked) {
      out.push(`  ${label(m.name)}: ${m.blockers.length ? m.blockers.map(spoken).join(', ') : '(QEMU gave no reason)'}`);
    }
    out.push('');
  }
  if (cpu && cpu.arch !== caps.arch) out.push(`The host CPU (${cpu.arch}) is not the guest's architecture: what it reports does not bound an emulated ${caps.arch} guest.`);
  else if (caps.notExposable.length === 0) out.push('Every CPU feature this host CPU reports can be given to a guest.');
  else out.push(`The host CPU reports ${caps.notExposable.length} feature(s) that no guest on this host can get.`);
  const groups = groupByLayer(caps.blockers ?? []);
  if (groups.length > 0) {
    out.push('Why guests lack the features above (models\' blockers and the host CPU\'s), by layer:');
    for (const g of groups) {
      out.push(`  ${g.layer}: ${LAYER_MEANING[g.layer]}:`);
      out.push(...wrap(g.features.map(spoken), '    '));
    }
    out.push('  A guest CPU that asks for any of them fails to start with enforce, and silently loses them without it. /proc/cpuinfo is not what a guest gets.');
  }
  return out.join('\n') + '\n';
}

/** Words joined by commas into lines of at most `width` characters, each indented. */
export function wrap(words: readonly string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    const piece = line === indent ? w : `, ${w}`;
    if (line.length + piece.length > width && line !== indent) {
      lines.push(line + ',');
      line = indent + w;
    } else line += piece;
  }
  if (line !== indent) lines.push(line);
  return lines;
}

/** QEMU's name, with the name people know it by where the two differ. */
function spoken(feature: string): string {
  const known: Record<string, string> = { pni: 'sse3', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', 'lahf-lm': 'lahf_lm', 'sha-ni': 'sha_ni' };
  return known[feature] ? `${feature} (${known[feature]})` : feature;
}

/** " (host's VM, the same vCPU)" for a model whose start another model's VM answered (max under KVM is host), else "". */
function ranAs(m: HostCapabilities['models'][number]): string {
  const cpu = m.vcpuStart?.cpu;
  return cpu && cpu !== m.name ? ` (${cpu}'s VM, the same vCPU)` : '';
}
