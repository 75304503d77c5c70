import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import {
  CpuModelExpansionReplySchema,
  KvmInfoSchema,
  QueryCpuDefinitionsReplySchema,
  QueryMachinesReplySchema,
  TargetInfoSchema,
  VersionInfoSchema,
} from '../../provider/model';
import type { QemuProbeRecord } from '../../provider/model';
import { qmpFixturesDir } from '../../harness/paths';

/** The recorded QMP transcripts, by file name. */
export const TRANSCRIPT_FILES = [
  '4.2.0.x86_64.qmp.json',
  '7.2.0.x86_64.qmp.json',
  '9.1.0.x86_64.qmp.json',
  '10.0.0+amdsev.x86_64.qmp.json',
] as const;
export type TranscriptFile = (typeof TRANSCRIPT_FILES)[number];

/** libvirt's KVM domaincaps verdicts recorded for the same data, by transcript. */
export const DOMAINCAPS_FILES: Readonly<Record<TranscriptFile, readonly string[]>> = {
  '4.2.0.x86_64.qmp.json': ['qemu_4.2.0.x86_64.xml', 'qemu_4.2.0-q35.x86_64.xml'],
  '7.2.0.x86_64.qmp.json': ['qemu_7.2.0.x86_64.xml', 'qemu_7.2.0-q35.x86_64.xml'],
  '9.1.0.x86_64.qmp.json': [],
  '10.0.0+amdsev.x86_64.qmp.json': ['qemu_10.0.0-q35.x86_64+amdsev.xml'],
};

/** The binary libvirt's recordings name; the transcripts do not record one. */
const RECORDED_BINARY = '/usr/bin/qemu-system-x86_64';

const ExchangeSchema = z.object({
  execute: z.string(),
  arguments: z.record(z.unknown()).optional(),
  reply: z.union([z.object({ return: z.unknown() }), z.object({ error: z.unknown() })]),
});
type Exchange = z.infer<typeof ExchangeSchema>;

function replyOf<T extends z.ZodTypeAny>(
  file: string,
  session: Exchange[],
  schema: T,
  execute: string,
  matches: (args: Record<string, unknown> | undefined) => boolean = () => true,
): z.infer<T> | undefined {
  const exchange = session.find((e) => e.execute === execute && matches(e.arguments));
  if (!exchange) return undefined;
  if (!('return' in exchange.reply)) throw new Error(`${file}: ${execute} replied with an error`);
  const parsed = schema.safeParse(exchange.reply.return);
  if (!parsed.success) throw new Error(`${file}: ${execute} reply is invalid: ${parsed.error.message}`);
  return parsed.data;
}

function required<T>(file: string, what: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`${file}: no ${what} exchange`);
  return value;
}

/** Matches the static expansion of `model` without extra props (no migratable=false). */
const staticExpansionOf = (model: string) => (args: Record<string, unknown> | undefined) => {
  const m = args?.model as { name?: unknown; props?: unknown } | undefined;
  return args?.type === 'static' && m?.name === model && m.props === undefined;
};

/**
 * The KVM and TCG probe records of one recorded transcript, each reply
 * validated with the QMP schemas. The TCG session lacks query-version,
 * query-target and query-kvm: it reuses the KVM session's version and target,
 * and reports KVM present but not enabled.
 */
export function readTranscript(file: string): { kvm: QemuProbeRecord; tcg: QemuProbeRecord } {
  const full = path.isAbsolute(file) ? file : path.join(qmpFixturesDir, file);
  const exchanges = z.array(ExchangeSchema).parse(JSON.parse(fs.readFileSync(full, 'utf8')));
  const starts = exchanges.flatMap((e, i) => (e.execute === 'qmp_capabilities' ? [i] : []));
  if (starts.length !== 2) throw new Error(`${file}: expected 2 sessions, found ${starts.length}`);
  const kvmSession = exchanges.slice(starts[0], starts[1]);
  const tcgSession = exchanges.slice(starts[1]);

  const version = required(file, 'query-version', replyOf(file, kvmSession, VersionInfoSchema, 'query-version'));
  const target = required(file, 'query-target', replyOf(file, kvmSession, TargetInfoSchema, 'query-target'));
  const record = (session: Exchange[], model: 'host' | 'max'): Omit<QemuProbeRecord, 'accelerator' | 'kvm'> => ({
    binary: RECORDED_BINARY,
    machineType: 'none',
    version,
    target,
    machines: required(file, 'query-machines', replyOf(file, session, QueryMachinesReplySchema, 'query-machines')),
    definitions: required(
      file,
      'query-cpu-definitions',
      replyOf(file, session, QueryCpuDefinitionsReplySchema, 'query-cpu-definitions'),
    ),
    hostExpansion: required(
      file,
      `static ${model} expansion`,
      replyOf(file, session, CpuModelExpansionReplySchema, 'query-cpu-model-expansion', staticExpansionOf(model)),
    ),
  });
  return {
    kvm: {
      ...record(kvmSession, 'host'),
      accelerator: 'kvm',
      kvm: replyOf(file, kvmSession, KvmInfoSchema, 'query-kvm') ?? null,
    },
    tcg: { ...record(tcgSession, 'max'), accelerator: 'tcg', kvm: { present: true, enabled: false } },
  };
}

/**
 * libvirt's verdicts from a domaincaps XML: model name -> usable, for every
 * `<model usable='yes|no'>` of `<mode name='custom'>`.
 */
export function readDomainCapsVerdicts(file: string): Map<string, boolean> {
  const full = path.isAbsolute(file) ? file : path.join(qmpFixturesDir, 'domaincaps', file);
  const xml = fs.readFileSync(full, 'utf8');
  const custom = /<mode name='custom'[^>]*>([\s\S]*?)<\/mode>/.exec(xml);
  if (!custom) throw new Error(`${file}: no <mode name='custom'>`);
  const verdicts = new Map<string, boolean>();
  for (const m of custom[1].matchAll(/<model usable='(yes|no)'[^>]*>([^<]+)<\/model>/g)) {
    verdicts.set(m[2].trim(), m[1] === 'yes');
  }
  return verdicts;
}
