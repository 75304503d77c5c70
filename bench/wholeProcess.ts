/**
 * The bench's whole-process rows (issue 13): what a user times, a
 * `qemu-cpu` process from exec to exit, each beside the reference its
 * target names, all measured interleaved in one loop:
 * - `qemu-cpu --help` against bare `node -e 0`;
 * - a warm `qemu-cpu probe HOST --json` (the fingerprint cache answers)
 *   against `ssh HOST true`, with the same probe inside one Node process
 *   beside it, to tell Node's start and loading from the SSH work;
 * - a cold one (`--no-cache`: QEMU is asked, and the start check's paused
 *   VM runs beside it: one for host and max under KVM, max's under TCG)
 *   against the OpenSSH pipeline of bench/run.ts.
 * Every qemu-cpu run has a code cache (bin/qemu-cpu.js) from an untimed
 * first run, as on any machine that has run qemu-cpu before. qemu-cpu runs
 * as the installed command does: bin/qemu-cpu.js executed, so its first
 * lines (sh) start Node. Where NODE_EXTRA_CA_CERTS is set, bare Node is
 * timed both with it (the reference the targets name) and without it (what
 * qemu-cpu's Node starts as), so the table says how much of a ratio is
 * that variable.
 *
 * `BENCH_ROWS=whole-process npm run bench` runs these rows alone.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeHost, TransportPool } from '../provider/probe';
import type { Accelerator } from '../provider/model';
import { repoRoot } from '../harness/paths';
import type { Sshd } from '../harness/sshd';
import { median, ms, opensshArgv, ratio, runProcess, timed } from './measure';
import { yes, type Row } from './rowGroups';

/** What the rows need from bench/run.ts: its sshd, accelerator, sample count and OpenSSH pipeline. */
export interface WholeProcessSetup {
  sshd: Sshd;
  accelerator: Accelerator;
  samples: number;
  openssh: { argv: string[]; stdin: string };
}

/** The rows, with their references, medians of `samples` interleaved runs. */
export async function wholeProcessRows({ sshd, accelerator, samples, openssh }: WholeProcessSetup): Promise<Row[]> {
  const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'qemu-cpu-bench-process-'));
  try {
    const env = { XDG_CACHE_HOME: xdg };
    const bin = [path.join(repoRoot, 'bin/qemu-cpu.js')];
    const caCerts = process.env.NODE_EXTRA_CA_CERTS;
    const target = `${sshd.user}@${sshd.host}`;
    const probe = [...bin, 'probe', target, '-p', String(sshd.port), '-i', sshd.privateKeyPath, '--known-hosts', sshd.knownHostsPath, '--accel', accelerator, '--json'];
    const sshTrue = opensshArgv(sshd, 'true');
    // The CLI's probe, in this process: the same request, cache and start check, with no process around it.
    const request = { connection: sshd.connection({ name: `${sshd.host}:${sshd.port}` }), accelerator };
    const inProcess = async () => {
      const pool = new TransportPool();
      try {
        return await probeHost(request, { pool, cacheDir: path.join(xdg, 'qemu-cpu'), vcpuStartCheck: true });
      } finally {
        await pool.closeAll();
      }
    };
    // Untimed: fill the fingerprint cache and the code cache of each command line.
    await runProcess(probe, '', env);
    await runProcess([...probe, '--no-cache'], '', env);
    if ((await inProcess()).fromCache !== true) throw new Error('the in-process warm probe did not answer from the CLI’s cache');
    const s = { node: [] as number[], nodeNoCa: [] as number[], help: [] as number[], sshTrue: [] as number[], warm: [] as number[], warmIn: [] as number[], cold: [] as number[], openssh: [] as number[] };
    for (let i = 0; i < samples; i++) {
      s.node.push(await runProcess([process.execPath, '-e', '0']));
      if (caCerts) s.nodeNoCa.push(await runProcess([process.execPath, '-e', '0'], '', { NODE_EXTRA_CA_CERTS: undefined }));
      s.help.push(await runProcess([...bin, '--help'], '', env));
      s.sshTrue.push(await runProcess(sshTrue));
      s.warm.push(await runProcess(probe, '', env));
      s.warmIn.push((await timed(inProcess)).ms);
      s.openssh.push(await runProcess(openssh.argv, openssh.stdin));
      s.cold.push(await runProcess([...probe, '--no-cache'], '', env));
    }
    const m = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)])) as Record<keyof typeof s, number>;
    // qemu-cpu's own Node starts without the CA store: its start is the bare Node without the variable.
    const ownStart = caCerts ? m.nodeNoCa : m.node;
    const rest = m.warm - m.warmIn - ownStart;
    const noCa = caCerts ? `; without it ${ms(m.nodeNoCa)}, ${ratio(m.help, m.nodeNoCa)}` : '';
    return [
      {
        case: `Reference: bare Node, a whole process (\`node -e 0\`${caCerts ? ', NODE_EXTRA_CA_CERTS set here' : ''})`,
        median: ms(m.node),
        reference: caCerts ? `the same without NODE_EXTRA_CA_CERTS ${ms(m.nodeNoCa)} (Node 20 builds its CA store at start when it is set; bin/qemu-cpu.js unsets it)` : '—',
        ratio: '—',
        target: '—',
        met: '',
      },
      { case: '`qemu-cpu --help`, a whole process', median: ms(m.help), reference: `\`node -e 0\` ${ms(m.node)}${noCa}`, ratio: ratio(m.help, m.node), target: '≤ 1.30×', met: yes(m.help <= 1.3 * m.node) },
      { case: 'Reference: `ssh HOST true` (OpenSSH: new connection, one exec), a whole process', median: ms(m.sshTrue), reference: '—', ratio: '—', target: '—', met: '' },
      {
        case: 'Warm `qemu-cpu probe HOST --json`, a whole process (cache hit: one connection, one exec, no QEMU)',
        median: ms(m.warm),
        reference: `\`ssh HOST true\` ${ms(m.sshTrue)}; of the process: the same probe in one Node process ${ms(m.warmIn)} (handshake, one exec), Node's own start (\`node -e 0\`${caCerts ? ' without NODE_EXTRA_CA_CERTS' : ''}) ${ms(ownStart)}, the rest (loading, output, exit) ${ms(rest)}`,
        ratio: ratio(m.warm, m.sshTrue),
        target: '≤ 1.10×',
        met: yes(m.warm <= 1.1 * m.sshTrue),
      },
      {
        case: `Cold \`qemu-cpu probe HOST --json --no-cache\`, a whole process (QEMU asked; ${accelerator === 'kvm' ? 'host and max start-checked beside it, in one paused VM: max is host under KVM' : 'max start-checked beside it, in a paused VM'})`,
        median: ms(m.cold),
        reference: `OpenSSH pipeline ${ms(m.openssh)} (same queries, raw QMP; no start check), measured in this loop`,
        ratio: ratio(m.cold, m.openssh),
        target: '≤ 1.00×',
        met: yes(m.cold <= m.openssh),
      },
    ];
  } finally {
    fs.rmSync(xdg, { recursive: true, force: true });
  }
}
