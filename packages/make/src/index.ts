export { evaluate, evaluateExpression, evaluateString, expressionsIn, functionsCalled, ImlError, truthy } from './iml/evaluate.ts';
export { IML_FUNCTIONS } from './iml/functions.ts';
export { MAKE_ERROR, errorDirective } from './app/errors.ts';
export { buildApp, MAKECOMAPP, type MakecomappOrigin } from './app/layout.ts';
export { writeApp, listAppFiles, currentOrigins, PACKAGE_DIR } from './app/write.ts';
export { MakeSchemas, SCHEMAS_DIR, API_CODE_TYPE } from './validate.ts';
export { MakeRuntime, loadApp, type MakeConnection, type MakeWebhook, type TriggerState, type EpochChoice } from './runtime/runtime.ts';
export { MakeError, execute, responseError } from './runtime/request.ts';
export { deploy, recordingSdk, MODULE_TYPE_ID, zoneOf, type DeployCall } from './deploy.ts';
