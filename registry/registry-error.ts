export type RegistryErrorCode = 'E_REGISTRY_CONFLICT' | 'E_REGISTRY_INPUT';

/** The registry layer's one error type; `code` is stable. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
