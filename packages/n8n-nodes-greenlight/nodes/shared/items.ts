import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

/**
 * Runs `run` once per input item: every output item is paired with the item it came from; with
 * "Continue On Fail" an item's failure becomes an `{error}` item paired with it, otherwise the
 * first failure stops the node (an API failure as the NodeApiError the transport raised).
 */
export async function perItem(
	this: IExecuteFunctions,
	run: (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const out: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			for (const json of await run.call(this, i)) out.push({ json, pairedItem: { item: i } });
		} catch (error) {
			const failure =
				error instanceof NodeApiError || error instanceof NodeOperationError
					? error
					: new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			if (this.continueOnFail()) {
				out.push({ json: { error: failure.message, ...(failure.description ? { description: failure.description } : {}) }, pairedItem: { item: i } });
				continue;
			}
			throw failure;
		}
	}
	return out;
}
