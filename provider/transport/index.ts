export * from './transport';
export * from './shellQuote';
export * from './connectionSchema';
export { LocalTransport } from './localTransport';
