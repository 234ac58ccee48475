import { policySchema, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';

const SCHEMA = policySchema();

export const getPolicySchema: Handler<Routes['getPolicySchema']> = async () => ({ status: 200, body: SCHEMA });
