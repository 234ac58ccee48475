/**
 * What a platform needs to draw one input or output field. n8n, Zapier and Make each map these
 * onto their own property format; the meaning (label, help, type, required, options, default)
 * is decided once, here, from the contract.
 */
export type FieldType =
  | 'string'
  | 'text'
  | 'url'
  | 'uuid'
  | 'datetime'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'select'
  | 'multiselect'
  /** String → string pairs (tags, headers). */
  | 'dictionary'
  /** Any JSON object. */
  | 'json'
  /** A fixed set of named sub-fields (`children`). */
  | 'object'
  /** A list of objects, each with the sub-fields in `children`. */
  | 'list';

export interface FieldOption {
  value: string;
  label: string;
}

export interface FieldDescriptor {
  /** The wire name (body property, query or path parameter). */
  key: string;
  label: string;
  help: string;
  type: FieldType;
  required: boolean;
  /** Where the value travels. */
  in: 'body' | 'query' | 'path';
  options?: FieldOption[];
  default?: unknown;
  example?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** `multiselect` query parameters are sent as one comma-separated value. */
  serialize?: 'comma';
  children?: FieldDescriptor[];
}

export interface ActionDescriptor {
  key: string;
  label: string;
  description: string;
  /** The contract operation the action calls. */
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  fields: FieldDescriptor[];
}

export interface OutputField {
  /** Dotted path into the output item (`requested_by.name`). */
  key: string;
  label: string;
  type: FieldType;
}
