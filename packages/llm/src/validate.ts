/** Parses a reply as JSON and checks it against the decision schema (ajv); anything else is an error. */
import { Ajv, type ValidateFunction } from 'ajv';
import { llmError } from './errors.js';

const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** The value when `text` is JSON matching `schema`; TK_ERR_LLM_REPLY_INVALID otherwise. */
export function parseReply<T>(text: string, schema: Record<string, unknown>): T {
  let fn = compiled.get(schema);
  if (!fn) compiled.set(schema, (fn = ajv.compile(schema)));
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text));
  } catch (e) {
    throw llmError('TK_ERR_LLM_REPLY_INVALID', `the reply is not JSON (${(e as Error).message}): ${preview(text)}`);
  }
  if (!fn(value)) {
    const err = fn.errors?.[0];
    throw llmError(
      'TK_ERR_LLM_REPLY_INVALID',
      `the reply does not match the schema: ${err ? `${err.instancePath || '/'} ${err.message}` : 'invalid'}: ${preview(text)}`,
    );
  }
  return value as T;
}

/** Models often wrap JSON in a ```json fence: the fence (only a whole-reply fence) is removed. */
function stripFence(text: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m ? m[1]! : text;
}

function preview(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(t.length > 120 ? `${t.slice(0, 120)}…` : t);
}
