export { LineFramer, DEFAULT_MAX_MESSAGE_BYTES, type LineFramerOptions, type FramerOutput } from './framer';
export {
  decodeQmpLine,
  QmpGreetingLineSchema,
  QmpReturnLineSchema,
  QmpErrorLineSchema,
  QmpEventLineSchema,
  type QmpGreeting,
  type QmpEvent,
  type QmpMessage,
  type QmpDecodeResult,
} from './decoder';
export {
  QmpClient,
  DEFAULT_GREETING_TIMEOUT_MS,
  DEFAULT_COMMAND_TIMEOUT_MS,
  MAX_RECORDED_EVENTS,
  type QmpIO,
  type QmpClientOptions,
  type QmpExecuteOptions,
} from './qmpClient';
