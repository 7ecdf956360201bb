export const ADAPTER_VERSION = '0.1.0';
