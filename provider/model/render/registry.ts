/**
 * Every output format of a selected CPU, in one list. Reports
 * (SelectionReport, BaselineReport), CpuModelSelection's outputs,
 * schema.json and the CLI's --format all take their fields and names from
 * here: adding a format is its module, a line in RENDERERS and one spread in
 * RENDERING_SHAPE.
 */
import { z } from 'zod';
import { kubevirtRenderer } from './kubevirt';
import { libvirtRenderer } from './libvirt';
import { novaRenderer } from './nova';
import { proxmoxRenderer } from './proxmox';
import { qemuRenderer } from './qemu';
import type { CpuToRender, Printed, Renderer } from './renderer';

/** The formats, in the order reports and --help list them. */
export const RENDERERS: ReadonlyArray<Renderer<z.ZodRawShape>> = [qemuRenderer, libvirtRenderer, proxmoxRenderer, kubevirtRenderer, novaRenderer] as unknown as ReadonlyArray<Renderer<z.ZodRawShape>>;

/** Every renderer's fields: part of each report and of the resource's outputs. */
export const RENDERING_SHAPE = {
  ...qemuRenderer.fields,
  ...libvirtRenderer.fields,
  ...proxmoxRenderer.fields,
  ...kubevirtRenderer.fields,
  ...novaRenderer.fields,
};

/** All renderings of one CPU. */
export const RenderingsSchema = z.object(RENDERING_SHAPE);
export type Renderings = z.infer<typeof RenderingsSchema>;

/** The rendering fields' names. */
export const RENDERING_KEYS = Object.keys(RENDERING_SHAPE) as ReadonlyArray<keyof Renderings>;

/** The same fields where there may be no CPU at all (a baseline that found none): each null then. */
export const OPTIONAL_CPU_RENDERING_SHAPE = Object.fromEntries(Object.entries(RENDERING_SHAPE).map(([k, s]) => [k, s.nullable()])) as {
  [K in keyof typeof RENDERING_SHAPE]: z.ZodNullable<(typeof RENDERING_SHAPE)[K]>;
};

/** Every rendering of the CPU. */
export function renderCpu(cpu: CpuToRender): Renderings {
  return Object.assign({}, ...RENDERERS.map((r) => r.render(cpu))) as Renderings;
}

/** The renderings where there is no CPU. */
export function noRenderings(): { [K in keyof Renderings]: null } {
  return Object.fromEntries(RENDERING_KEYS.map((k) => [k, null])) as { [K in keyof Renderings]: null };
}

/** Just the rendering fields of a report. */
export function pickRenderings(report: Renderings): Renderings {
  return Object.fromEntries(RENDERING_KEYS.map((k) => [k, report[k]])) as Renderings;
}

/** The --format names of the renderings. */
export const RENDER_FORMATS: readonly string[] = RENDERERS.map((r) => r.format);

/** What `--format FORMAT` prints for these renderings; undefined for a name that is no rendering. */
export function printRendering(format: string, renderings: Renderings): Printed | undefined {
  return RENDERERS.find((r) => r.format === format)?.print(renderings);
}
