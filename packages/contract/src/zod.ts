// One place extends zod with `.openapi()`, so every schema of the contract can carry its docs.
import { z } from 'zod';
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';

extendZodWithOpenApi(z);

export { z };
