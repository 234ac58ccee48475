import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Express } from 'express';

/**
 * An HTTP server for an Express app whose requests and responses are born with the app's prototypes.
 *
 * Express's `app.handle` gives every request and response the app's prototypes
 * (`Object.setPrototypeOf(req, app.request)`, the same for `res`). Node builds them as plain
 * IncomingMessage and ServerResponse, so each one changes prototype after it was made. Under create
 * load that kept about a third of each young generation alive through a scavenge: it was then promoted
 * and collected only by a full collection (`--trace-gc-nvp`, P2 in bench/README.md). The same happens
 * in a bare Express app and not in Node's http server without Express.
 *
 * Here Node builds them from classes whose prototypes *are* `app.request` and `app.response`
 * (http.createServer's documented IncomingMessage / ServerResponse options). Express's call then
 * finds the prototype already set and changes nothing. Express's own behaviour is unchanged: the
 * objects inherit the same methods and the same `app`, and a router or middleware sees the same `req`.
 */
export function createExpressServer(app: Express): Server {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse extends ServerResponse {}
  adopt(ExpressRequest.prototype, app.request);
  adopt(ExpressResponse.prototype, app.response);
  // Express reads `this.request` and `this.response` on every request, so from here it uses these.
  (app as { request: unknown }).request = ExpressRequest.prototype;
  (app as { response: unknown }).response = ExpressResponse.prototype;
  return createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, app);
}

/** Makes a class's prototype stand in for Express's: the same parent, the same own properties (`app`). */
function adopt(prototype: object, expressPrototype: object): void {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(expressPrototype) as object);
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(expressPrototype));
}
