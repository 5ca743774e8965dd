/** The CoAP message layer's public surface. */
export { CoapEndpoint } from './endpoint.js';
export type { EndpointOptions, EndpointStats } from './endpoint.js';
export { CoapError } from './errors.js';
export type { CoapErrorCode } from './errors.js';
export { EMPTY_CODE, Method, MessageType, ResponseCode, codeText, isRequestCode, isResponseCode, isSuccessCode, methodName, parseCodeText } from './codes.js';
export type { MethodName } from './codes.js';
export type { CoapMessage, CoapOption } from './message.js';
export {
  OptionNumber, decodeString, decodeUint, encodeString, encodeUint, findOption, getStrings, getUint, hasOption, pathOptions, stringOption, uintOption,
} from './options.js';
export { decode, encode } from './codec.js';
export type { DecodeResult } from './codec.js';
export { blockSize, decodeBlock, encodeBlock } from './block-option.js';
export type { BlockValue } from './block-option.js';
export { DEFAULT_PARAMETERS, deriveTimes } from './parameters.js';
export type { DerivedTimes, TransmissionParameters } from './parameters.js';
export type { Clock, TimerHandle } from './clock.js';
export type { Logger } from './logger.js';
export { ServerObservation, MAX_NON_PERIOD_MS } from './observe.js';
export type { ObservationEndReason } from './observe.js';
export { ClientObservation } from './client-observation.js';
export type { CoapResponse, IncomingRequest, NotifyOptions, OutgoingResponse, RequestHandler, RequestInit } from './request.js';
export { UdpTransport } from '../transport/udp.js';
export type { UdpTransportOptions } from '../transport/udp.js';
