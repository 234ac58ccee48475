import type { IDisplayOptions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
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
				// A list (editable paths, redact) starts as an empty list, so adding the field sends a valid value.
				const list = field.type === 'list' || Array.isArray(field.example);
				return { ...base, type: 'json', default: list ? '[]' : '{}', ...(placeholder ? { placeholder } : {}) };
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
