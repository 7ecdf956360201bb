export const LLM_VERSION = '0.1.0';
/** The core versions these plugins work with. */
export const CORE_RANGE = '^0.1.0';
