/**
 * autocannon `setupRequest` for the bulk PATCH. autocannon's worker thread `require`s it by path
 * (a function cannot be cloned into a worker), hence `module.exports` rather than an export.
 */

interface PatchRequest {
  body?: string;
  keywordIds: string[];
}

let sent = 0;

function setupRequest<R extends PatchRequest>(req: R): R {
  // The counter is shared by every connection, and the bid steps through 1.00-1.99 rather than
  // flipping between two values: with concurrent connections two in-flight requests could
  // carry the same bid and commit back to back, and then the second would change no bid.
  const bid = (100 + (sent++ % 100)) / 100;
  req.body = JSON.stringify({ items: req.keywordIds.map((id) => ({ id, bid })) });
  return req;
}

module.exports = setupRequest;
export {};
