export { cpuSwitches, renderQemuCpuArg } from './qemu';
export type { CpuToRender, Printed, Renderer } from './renderer';
export { noRenderings, OPTIONAL_CPU_RENDERING_SHAPE, pickRenderings, printRendering, RENDER_FORMATS, RENDERERS, RENDERING_KEYS, RENDERING_SHAPE, renderCpu, RenderingsSchema, type Renderings } from './registry';
