export * from './probeRequest';
export { probeHost, probeOver, type ProbeContext } from './probeHost';
export { parseInput } from './parseInput';
export * from './selectionInputs';
export { verifySelection, verifyHost, verifyOver, summarize, SelectionReportSchema, type SelectionReport, type VerifyOptions } from './verifySelection';
export { TransportPool, sharedPool } from './transportPool';
export { runBounded } from './runBounded';
