import type { z } from 'zod';
import type { Architecture } from '../arch/architecture';

/** The CPU every renderer writes: a concrete QEMU model and its feature switches, in QEMU spelling. */
export interface CpuToRender {
  model: string;
  requiredFeatures: readonly string[];
  disabledFeatures: readonly string[];
  /** The guest architecture (the hosts' QEMU target); x86_64 when absent. */
  arch?: Architecture;
}

/** The values of a renderer's fields. */
export type FieldValues<S extends z.ZodRawShape> = { [K in keyof S]: z.infer<S[K]> };

/** What `--format NAME` prints: the rendering, or null; and why it is null, or what it leaves out. */
export interface Printed {
  text: string | null;
  reason: string | null;
}

/**
 * One output format: where users deploy the CPU. Its fields (each with its
 * schema and description) become fields of every selection and baseline
 * report, outputs of CpuModelSelection and properties of schema.json; its
 * format name is a `--format` of `check` and `baseline`. A CPU the format
 * cannot express renders as null with a reason, never as a weaker CPU.
 */
export interface Renderer<S extends z.ZodRawShape> {
  /** The `--format` name. */
  format: string;
  /** What the rendering is, for --help, docs and the baseline's YAML comments. */
  label: string;
  fields: S;
  render(cpu: CpuToRender): FieldValues<S>;
  print(values: FieldValues<S>): Printed;
}

/** Declares a renderer with its field types checked against its schema. */
export function defineRenderer<S extends z.ZodRawShape>(renderer: Renderer<S>): Renderer<S> {
  return renderer;
}
