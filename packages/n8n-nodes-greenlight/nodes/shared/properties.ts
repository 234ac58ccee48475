import type { IDataObject, IDisplayOptions, INode, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { FieldDescriptor } from './generated/fields';

/**
 * n8n parameters drawn from the contract's field descriptors (packages/triggers, generated from
 * the zod schemas): labels, help, options, defaults and limits are decided there once, for n8n,
 * Zapier and Make alike. Required fields are top-level parameters; optional ones go into one
 * collection ("Additional Fields", or "Filters" for a list), as n8n's own nodes do.
 */

/** Path parameters are the request's or the step's id; n8n users expect the noun. */
const PATH_LABELS: Record<string, { displayName: string; description: string }> = {
	id: { displayName: 'Approval ID', description: 'The ID of the approval request' },
	stepId: { displayName: 'Step ID', description: 'The ID of the step, from Step → Get Many' },
};

const JSON_TYPES = new Set(['json', 'object', 'list', 'dictionary']);

function options(field: FieldDescriptor): INodePropertyOptions[] {
	return (field.options ?? []).map((o) => ({ name: o.label, value: o.value }));
}

function example(field: FieldDescriptor): string | undefined {
	if (field.example === undefined || field.example === null) return undefined;
	return typeof field.example === 'string' ? field.example : JSON.stringify(field.example);
}

/** Plain-text help: the contract's help may carry Markdown backticks, which n8n shows literally. */
const plain = (help: string) => help.replace(/`/g, '');

export function toProperty(field: FieldDescriptor, displayOptions?: IDisplayOptions, name = field.key): INodeProperties {
	const path = field.in === 'path' ? PATH_LABELS[field.key] : undefined;
	const base = {
		displayName: path?.displayName ?? field.label,
		name,
		description: plain(path?.description ?? field.help),
		...(displayOptions ? { displayOptions } : {}),
		...(field.required ? { required: true } : {}),
	};
	const placeholder = example(field);
	switch (field.type) {
		case 'select':
			return { ...base, type: 'options', options: options(field), default: (field.default as string | undefined) ?? options(field)[0]?.value ?? '' };
		case 'multiselect':
			return { ...base, type: 'multiOptions', options: options(field), default: (field.default as string[] | undefined) ?? [] };
		case 'boolean':
			return { ...base, type: 'boolean', default: (field.default as boolean | undefined) ?? false };
		case 'integer':
		case 'number':
			return {
				...base,
				type: 'number',
				default: (field.default as number | undefined) ?? field.minimum ?? 0,
				typeOptions: {
					...(field.type === 'integer' ? { numberPrecision: 0 } : {}),
					...(field.minimum !== undefined ? { minValue: field.minimum } : {}),
					...(field.maximum !== undefined ? { maxValue: field.maximum } : {}),
				},
			};
		case 'datetime':
			return { ...base, type: 'dateTime', default: '' };
		default:
			if (JSON_TYPES.has(field.type)) {
				return { ...base, type: 'json', default: field.type === 'list' ? '[]' : '{}', ...(placeholder ? { placeholder } : {}) };
			}
			return {
				...base,
				type: 'string',
				default: (field.default as string | undefined) ?? '',
				...(placeholder ? { placeholder } : {}),
				...(field.type === 'text' ? { typeOptions: { rows: 4 } } : {}),
			};
	}
}

export interface OperationFields {
	/** Top-level parameters, each with the operation's displayOptions. */
	required: INodeProperties[];
	/** The collection of optional fields, absent when there are none. */
	optional: INodeProperties | undefined;
}

export function operationProperties(
	fields: FieldDescriptor[],
	show: IDisplayOptions['show'],
	collection: { name: string; displayName: string; placeholder: string },
	omit: readonly string[] = [],
): OperationFields {
	const displayOptions: IDisplayOptions | undefined = show ? { show } : undefined;
	const kept = fields.filter((f) => !omit.includes(f.key));
	const required = kept.filter((f) => f.required).map((f) => toProperty(f, displayOptions));
	const optionalFields = kept.filter((f) => !f.required);
	const optional: INodeProperties | undefined =
		optionalFields.length === 0
			? undefined
			: {
					displayName: collection.displayName,
					name: collection.name,
					type: 'collection',
					placeholder: collection.placeholder,
					default: {},
					...(displayOptions ? { displayOptions } : {}),
					options: optionalFields.map((f) => toProperty(f)).sort((a, b) => a.displayName.localeCompare(b.displayName)),
				};
	return { required, optional };
}

/** Where a parameter value is read, for the error that names it. */
export interface ValueSource {
	node: INode;
	itemIndex: number;
}

function invalid(source: ValueSource, field: FieldDescriptor, problem: string): NodeOperationError {
	return new NodeOperationError(source.node, `${field.label} ${problem}`, { itemIndex: source.itemIndex, description: `Parameter: ${field.key}` });
}

/**
 * One field's parameter value → its wire value: JSON fields parsed, date-times as ISO 8601,
 * comma-separated lists joined; empty optional values left out.
 */
export function wireValue(source: ValueSource, field: FieldDescriptor, value: unknown): unknown {
	if (value === undefined || value === null) return undefined;
	if (JSON_TYPES.has(field.type)) {
		if (typeof value !== 'string') return value;
		if (value.trim() === '') return undefined;
		try {
			return JSON.parse(value);
		} catch {
			throw invalid(source, field, 'is not valid JSON');
		}
	}
	if (field.type === 'multiselect') {
		const list = Array.isArray(value) ? value.map(String) : String(value).split(',').filter(Boolean);
		if (list.length === 0) return undefined;
		return field.serialize === 'comma' ? list.join(',') : list;
	}
	if (field.type === 'datetime') {
		if (value === '') return undefined;
		const date = new Date(String(value));
		if (Number.isNaN(date.getTime())) throw invalid(source, field, 'is not a date and time');
		return date.toISOString();
	}
	if (typeof value === 'string' && value === '' && !field.required) return undefined;
	return value;
}

/** Splits collected parameter values by where they travel. */
export function collect(
	source: ValueSource,
	fields: FieldDescriptor[],
	values: IDataObject,
): { path: Record<string, string>; query: Record<string, string>; body: IDataObject } {
	const out = { path: {} as Record<string, string>, query: {} as Record<string, string>, body: {} as IDataObject };
	for (const field of fields) {
		const value = wireValue(source, field, values[field.key]);
		if (value === undefined) continue;
		if (field.in === 'path') out.path[field.key] = String(value);
		else if (field.in === 'query') out.query[field.key] = String(value);
		else out.body[field.key] = value as IDataObject[string];
	}
	return out;
}
