export * from './machine';
export * from './cpuDefinition';
export * from './cpuModelExpansion';
export * from './misc';
