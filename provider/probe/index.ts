export * from './probeRequest';
export { probeHost, probeOver, type ProbeContext } from './probeHost';
export { parseInput } from './parseInput';
