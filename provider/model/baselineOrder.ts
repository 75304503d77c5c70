/**
 * What "newest" means for QEMU's named x86 CPU models (docs/baseline.md):
 * the release of the microarchitecture a model describes, then the tie-breaks
 * below. Pure data and comparisons; no I/O.
 */

/** The CPU vendors QEMU's named models imitate; `generic` for QEMU's own (qemu64, kvm64, ...). */
export type ModelVendor = 'intel' | 'amd' | 'hygon' | 'zhaoxin' | 'generic';

/** One model family: the real CPUs it describes and when they first shipped. */
export interface ModelGeneration {
  vendor: ModelVendor;
  /** First shipment of the microarchitecture, YYYY-MM; the order key across vendors. */
  released: string;
}

/**
 * Model families by first shipment. Within a vendor this is the vendor's
 * generation order; across vendors the date decides. Families QEMU adds
 * later and this table does not know rank below every known one (see
 * {@link compareNewest}) until they are added here.
 */
export const MODEL_GENERATIONS: Readonly<Record<string, ModelGeneration>> = {
  '486': { vendor: 'intel', released: '1989-04' },
  pentium: { vendor: 'intel', released: '1993-03' },
  pentium2: { vendor: 'intel', released: '1997-05' },
  pentium3: { vendor: 'intel', released: '1999-02' },
  athlon: { vendor: 'amd', released: '1999-06' },
  qemu32: { vendor: 'generic', released: '2003-01' },
  kvm32: { vendor: 'generic', released: '2003-01' },
  Opteron_G1: { vendor: 'amd', released: '2003-04' },
  qemu64: { vendor: 'generic', released: '2004-02' },
  kvm64: { vendor: 'generic', released: '2004-02' },
  coreduo: { vendor: 'intel', released: '2006-01' },
  Conroe: { vendor: 'intel', released: '2006-07' },
  core2duo: { vendor: 'intel', released: '2006-07' },
  Opteron_G2: { vendor: 'amd', released: '2006-08' },
  Opteron_G3: { vendor: 'amd', released: '2007-09' },
  Penryn: { vendor: 'intel', released: '2007-11' },
  phenom: { vendor: 'amd', released: '2007-11' },
  n270: { vendor: 'intel', released: '2008-06' },
  Nehalem: { vendor: 'intel', released: '2008-11' },
  Westmere: { vendor: 'intel', released: '2010-01' },
  SandyBridge: { vendor: 'intel', released: '2011-01' },
  Opteron_G4: { vendor: 'amd', released: '2011-11' },
  IvyBridge: { vendor: 'intel', released: '2012-04' },
  Opteron_G5: { vendor: 'amd', released: '2012-11' },
  Haswell: { vendor: 'intel', released: '2013-06' },
  Broadwell: { vendor: 'intel', released: '2014-10' },
  'Skylake-Client': { vendor: 'intel', released: '2015-08' },
  EPYC: { vendor: 'amd', released: '2017-06' },
  'Skylake-Server': { vendor: 'intel', released: '2017-07' },
  Denverton: { vendor: 'intel', released: '2017-08' },
  KnightsMill: { vendor: 'intel', released: '2017-12' },
  Dhyana: { vendor: 'hygon', released: '2018-06' },
  'Cascadelake-Server': { vendor: 'intel', released: '2019-04' },
  'EPYC-Rome': { vendor: 'amd', released: '2019-08' },
  'Icelake-Client': { vendor: 'intel', released: '2019-08' },
  Snowridge: { vendor: 'intel', released: '2020-02' },
  Cooperlake: { vendor: 'intel', released: '2020-06' },
  'EPYC-Milan': { vendor: 'amd', released: '2021-03' },
  'Icelake-Server': { vendor: 'intel', released: '2021-04' },
  'EPYC-Genoa': { vendor: 'amd', released: '2022-11' },
  SapphireRapids: { vendor: 'intel', released: '2023-01' },
  YongFeng: { vendor: 'zhaoxin', released: '2023-12' },
  SierraForest: { vendor: 'intel', released: '2024-06' },
  GraniteRapids: { vendor: 'intel', released: '2024-09' },
  'EPYC-Turin': { vendor: 'amd', released: '2024-10' },
  ClearwaterForest: { vendor: 'intel', released: '2026-01' },
};

/** A model name taken apart: `Skylake-Client-noTSX-IBRS` is family Skylake-Client, variant noTSX-IBRS, no version. */
export interface ParsedModelName {
  name: string;
  family: string;
  /** The N of `-vN`; null for names without one (aliases, or definitions of QEMU before 4.1 and legacy machine types). */
  version: number | null;
  /** IBRS, noTSX, noTSX-IBRS or IBPB; null if none. */
  variant: string | null;
}

const MODEL_NAME = /^(.+?)(?:-(noTSX-IBRS|noTSX|IBRS|IBPB))?(?:-v(\d+))?$/;

/** Split a QEMU model name into family, variant and version. */
export function parseModelName(name: string): ParsedModelName {
  const m = MODEL_NAME.exec(name);
  if (!m) return { name, family: name, version: null, variant: null };
  return { name, family: m[1], version: m[3] === undefined ? null : Number(m[3]), variant: m[2] ?? null };
}

/** The family's generation, or undefined when the table does not know it. */
export function modelGeneration(name: string): ModelGeneration | undefined {
  const { family } = parseModelName(name);
  return Object.prototype.hasOwnProperty.call(MODEL_GENERATIONS, family) ? MODEL_GENERATIONS[family] : undefined;
}

/** The vendor a CPUID vendor string names. */
export function vendorOf(cpuidVendor: string | null | undefined): ModelVendor | undefined {
  switch (cpuidVendor?.trim()) {
    case 'GenuineIntel':
      return 'intel';
    case 'AuthenticAMD':
      return 'amd';
    case 'HygonGenuine':
      return 'hygon';
    case 'CentaurHauls':
    case 'Shanghai':
      return 'zhaoxin';
    default:
      return undefined;
  }
}

/** What the tie-breaks need to know about the fleet. */
export interface NewestContext {
  /** The vendor of each host's CPU (undefined where unknown). */
  hostVendors: ReadonlyArray<ModelVendor | undefined>;
  /** Models QEMU marks deprecated on some host. */
  deprecated?: ReadonlySet<string>;
}

/**
 * How well a model's vendor fits the fleet: 2 when every host has that
 * vendor's CPUs, 1 when most do, 0 otherwise (including generic models).
 */
function vendorFit(vendor: ModelVendor | undefined, hostVendors: ReadonlyArray<ModelVendor | undefined>): number {
  if (!vendor || vendor === 'generic' || hostVendors.length === 0) return 0;
  const same = hostVendors.filter((v) => v === vendor).length;
  if (same === hostVendors.length) return 2;
  return same * 2 > hostVendors.length ? 1 : 0;
}

/**
 * Order two model names newest first (negative when `a` is newer):
 * 1. models QEMU does not mark deprecated before deprecated ones;
 * 2. families in {@link MODEL_GENERATIONS} before unknown ones;
 * 3. later first shipment (`released`) first;
 * 4. the vendor of every host's CPU, then of most hosts' CPUs, before others;
 * 5. higher `-vN` first; a name without a version after every versioned one;
 * 6. by name, so the order is total and stable.
 */
export function compareNewest(a: string, b: string, ctx: NewestContext): number {
  const dep = (n: string) => (ctx.deprecated?.has(n) ? 1 : 0);
  if (dep(a) !== dep(b)) return dep(a) - dep(b);
  const ga = modelGeneration(a);
  const gb = modelGeneration(b);
  if (!ga !== !gb) return ga ? -1 : 1;
  if (ga && gb && ga.released !== gb.released) return ga.released > gb.released ? -1 : 1;
  const fa = vendorFit(ga?.vendor, ctx.hostVendors);
  const fb = vendorFit(gb?.vendor, ctx.hostVendors);
  if (fa !== fb) return fb - fa;
  const va = parseModelName(a).version ?? -1;
  const vb = parseModelName(b).version ?? -1;
  if (va !== vb) return vb - va;
  return a < b ? -1 : a > b ? 1 : 0;
}
